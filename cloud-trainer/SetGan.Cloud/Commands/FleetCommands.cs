using System.CommandLine;
using SetGan.Fleet.Client;
using SetGan.Fleet.Service;
using Spectre.Console;

namespace SetGan.Cloud.Commands;

/// <summary>
/// `setgan fleet serve` (the fleet service: embedded hub, k* controller, model store, API and dashboard)
/// and the operators' commands that talk to it over HTTP: `list`, `budget`, `deploy`, `add` (and `train`, `jobs` in <see cref="FleetJobCommands"/>).
/// </summary>
public static class FleetCommands
{
    public static string DefaultData => Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "setgan", "fleet");

    internal static Option<string> DataOption() => new("--data")
    {
        Description = "The fleet service's folder (hub/, models/, keys/, admin.token, service.json).", DefaultValueFactory = _ => DefaultData,
    };

    internal static Option<string?> ServiceOption() => new("--service") { Description = "The service's address (default: from DATA/service.json)." };
    internal static Option<string?> TokenOption() => new("--token") { Description = "The admin token (default: SETGAN_FLEET_TOKEN, else DATA/admin.token)." };

    public static IEnumerable<Command> All() => [Serve(), List(), Budget(), Deploy(), Add(), Revoke(), Enable(), .. FleetJobCommands.All()];

    private static Command Serve()
    {
        var data = DataOption();
        var port = new Option<int>("--port") { Description = "HTTP port of the dashboard and API.", DefaultValueFactory = _ => 5080 };
        var listen = new Option<string>("--listen") { Description = "Address the HTTP side listens on (loopback by default; 0.0.0.0 opens it to the network).", DefaultValueFactory = _ => "127.0.0.1" };
        var host = new Option<string>("--host") { Description = "The name devices reach the hub by (in SAS tokens, the certificate and package URLs).", DefaultValueFactory = _ => "localhost" };
        var mqtt = new Option<int>("--mqtt-port") { Description = "MQTT over TLS for devices (IoT Hub's port).", DefaultValueFactory = _ => 8883 };
        var https = new Option<int>("--https-port") { Description = "HTTPS package downloads for devices.", DefaultValueFactory = _ => 8443 };
        var (jobs, workers) = (ServiceTrainers.JobsOption(), ServiceTrainers.WorkersOption());
        var command = new Command("serve",
            "Run the fleet service until Ctrl+C: the embedded IoT Hub devices connect to, k* per device (re-planned when a budget, package or measured " +
            "energy profile changes, and pushed), the model store, the operators' API and the dashboard. Prints the dashboard's address with its admin token.")
        {
            data, port, listen, host, mqtt, https, jobs, workers,
        };
        command.SetAction((parse, cancel) => CliErrors.Run(async () =>
        {
            string folder = parse.GetValue(data)!;
            using var log = RunLog.Create(Path.Combine(folder, "logs", "fleet.json"));
            await using var service = await FleetService.StartAsync(new FleetServiceOptions
            {
                DataDir = folder, HttpPort = parse.GetValue(port), Listen = parse.GetValue(listen)!, HostName = parse.GetValue(host)!,
                MqttPort = parse.GetValue(mqtt), HttpsPort = parse.GetValue(https), Jobs = parse.GetValue(jobs),
            }, log, cancel);
            await using var trainers = ServiceTrainers.Start(service, parse.GetValue(workers), log);
            System.Console.WriteLine($"fleet service: dashboard {service.DashboardUrl}");
            System.Console.WriteLine($"devices connect to MQTT/TLS {parse.GetValue(host)}:{service.Hub.MqttPort}; packages are served on HTTPS {service.Hub.HttpsPort}");
            System.Console.WriteLine($"training jobs in {service.Jobs.Describe}, {parse.GetValue(workers)} trainer(s) in this process; submit one with `setgan fleet train IMAGE --data {folder}`");
            System.Console.WriteLine($"agents verify packages with {service.PublicKeyPath}; add a device with `setgan fleet add ID --tag T --data {folder}`. Ctrl+C stops.");
            try { await Task.Delay(Timeout.Infinite, cancel); }
            catch (OperationCanceledException) { }
            System.Console.WriteLine("fleet service stopped");
            return 0;
        }));
        return command;
    }

    private static Command List()
    {
        var (data, service, token) = (DataOption(), ServiceOption(), TokenOption());
        var command = new Command("list", "The fleet's devices: connection, board, status, the k they run and the k* chosen for them, budget, energy per image, power now, last seen.")
        {
            data, service, token,
        };
        command.SetAction((parse, cancel) => WithClient(parse, data, service, token, async client =>
        {
            var table = new Table().AddColumns("device", "tags", "online", "board", "status", "k", "k*", "budget", "J/image", "power", "last seen");
            foreach (var d in await client.DevicesAsync(cancel))
                table.AddRow(Markup.Escape(d.Id), Markup.Escape(string.Join(",", d.Tags)), d.Connected ? "yes" : "no", Markup.Escape(d.Profile ?? "-"),
                    Markup.Escape(d.Status ?? "-"), d.ActiveK?.ToString() ?? "-", d.KStar?.ToString() ?? "-", Markup.Escape(BudgetText(d)),
                    d.JoulesPerImage is { } j ? $"{j:G3}" : "-", d.PowerWatts is { } w ? $"{w:F2} W{(d.PowerEstimated ? " (est.)" : "")}" : "-",
                    d.LastSeen?.ToLocalTime().ToString("HH:mm:ss") ?? "-");
            AnsiConsole.Write(table);
        }));
        return command;
    }

    private static Command Budget()
    {
        var (data, service, token) = (DataOption(), ServiceOption(), TokenOption());
        var device = new Option<string?>("--device") { Description = "One device." };
        var tag = new Option<string?>("--tag") { Description = "Every device with this tag (or enrolled in this group; the group's new devices get it too)." };
        var joules = new Option<double?>("--joules-per-image") { Description = "At most J joules per image." };
        var watts = new Option<double?>("--watts") { Description = "Average watts (with --images-per-minute)." };
        var rate = new Option<double?>("--images-per-minute") { Description = "The image rate the watts must sustain." };
        var command = new Command("budget", "Set an energy budget; the service plans k* for each device and pushes it. Prints each device's new k* and why.")
        {
            device, tag, joules, watts, rate, data, service, token,
        };
        command.SetAction((parse, cancel) => WithClient(parse, data, service, token, async client =>
        {
            var decisions = await client.SetBudgetAsync(new BudgetRequest(parse.GetValue(device), parse.GetValue(tag), parse.GetValue(joules),
                parse.GetValue(watts), parse.GetValue(rate)), cancel);
            WriteDecisions(decisions);
        }));
        return command;
    }

    private static Command Deploy()
    {
        var (data, service, token) = (DataOption(), ServiceOption(), TokenOption());
        var package = new Argument<string>("package") { Description = "A signed package folder (uploaded to the model store first), or a published package's SHA-256 (6+ hex digits)." };
        var device = new Option<string?>("--device") { Description = "One device." };
        var tag = new Option<string?>("--tag") { Description = "Every device with this tag (or enrolled in this group)." };
        var command = new Command("deploy", "Send a package to devices with the k* planned for each (estimated from its board until the device measures the package, then re-planned).")
        {
            package, device, tag, data, service, token,
        };
        command.SetAction((parse, cancel) => WithClient(parse, data, service, token, async client =>
        {
            string name = parse.GetValue(package)!;
            string sha = Directory.Exists(name) ? await client.PublishAsync(name, cancel) : name;
            if (Directory.Exists(name)) System.Console.WriteLine($"published {name} as {sha}");
            WriteDecisions(await client.DeployAsync(new DeployRequest(sha, parse.GetValue(device), parse.GetValue(tag)), cancel));
        }));
        return command;
    }

    private static Command Add()
    {
        var (data, service, token) = (DataOption(), ServiceOption(), TokenOption());
        var id = new Argument<string>("id") { Description = "The device id (letters, digits and . _ : -)." };
        var tags = new Option<string[]>("--tag") { Description = "Tags to address it by (repeatable).", AllowMultipleArgumentsPerToken = true };
        var command = new Command("add", "Register a device with the service's hub and print its connection string (for the agent's --connection-string).")
        {
            id, tags, data, service, token,
        };
        command.SetAction((parse, cancel) => WithClient(parse, data, service, token, async client =>
            System.Console.WriteLine(await client.AddDeviceAsync(parse.GetValue(id)!, parse.GetValue(tags) ?? [], cancel))));
        return command;
    }

    private static Command Revoke()
    {
        var (data, service, token) = (DataOption(), ServiceOption(), TokenOption());
        var id = new Argument<string>("id") { Description = "The device." };
        var remove = new Option<bool>("--remove") { Description = "Delete the device and its key for good (a new `add` gives it a new key)." };
        var command = new Command("revoke", "Cut a device off at once: the running hub drops its connection and refuses it until `setgan fleet enable ID`.")
        {
            id, remove, data, service, token,
        };
        command.SetAction((parse, cancel) => WithClient(parse, data, service, token, async client =>
        {
            string device = parse.GetValue(id)!;
            if (parse.GetValue(remove)) await client.RemoveDeviceAsync(device, cancel);
            else await client.SetEnabledAsync(device, false, cancel);
            System.Console.WriteLine($"device {device} {(parse.GetValue(remove) ? "removed" : "revoked")}: its connection was dropped and new ones are refused");
        }));
        return command;
    }

    private static Command Enable()
    {
        var (data, service, token) = (DataOption(), ServiceOption(), TokenOption());
        var id = new Argument<string>("id") { Description = "The device." };
        var command = new Command("enable", "Let a revoked device connect again.") { id, data, service, token };
        command.SetAction((parse, cancel) => WithClient(parse, data, service, token, async client =>
        {
            await client.SetEnabledAsync(parse.GetValue(id)!, true, cancel);
            System.Console.WriteLine($"device {parse.GetValue(id)} enabled");
        }));
        return command;
    }

    private static void WriteDecisions(IEnumerable<DecisionView> decisions)
    {
        var table = new Table().AddColumns("device", "k*", "fits", "energy", "budget", "why");
        foreach (var d in decisions)
            table.AddRow(Markup.Escape(d.Device), d.K?.ToString() ?? "-", d.Feasible ? "yes" : "[red]no[/]", d.Energy ?? "-", Markup.Escape(d.Budget), Markup.Escape(d.Reason));
        AnsiConsole.Write(table);
    }

    internal static string BudgetText(DeviceView d)
    {
        if (d.Budget is not System.Text.Json.Nodes.JsonObject b) return "none";
        var parts = new List<string>();
        if (b["joulesPerImage"] is { } j) parts.Add($"{j} J/image");
        if (b["watts"] is { } w) parts.Add($"{w} W at {b["imagesPerMinute"]}/min");
        return parts.Count > 0 ? string.Join(", ", parts) : "none";
    }

    /// <summary>Piped output (a script, a log) gets whole rows: a table folded at 80 columns cannot be read back line by line.</summary>
    internal static void WideWhenPiped()
    {
        if (System.Console.IsOutputRedirected) AnsiConsole.Profile.Width = Math.Max(AnsiConsole.Profile.Width, 250);
    }

    internal static Task<int> WithClient(ParseResult parse, Option<string> data, Option<string?> service, Option<string?> token, Func<FleetClient, Task> action) =>
        CliErrors.Run(async () =>
        {
            WideWhenPiped();
            using var client = FleetClient.ForDataFolder(parse.GetValue(data)!, parse.GetValue(service), parse.GetValue(token));
            await action(client);
            return 0;
        });
}
