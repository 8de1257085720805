using System.CommandLine;
using SetGan.Core.Link;
using SetGan.Hub;
using Spectre.Console;

namespace SetGan.Cloud.Commands;

/// <summary>
/// `setgan hub`: the embedded IoT Hub (MQTT over TLS in IoT Hub's device dialect, HTTPS packages) in
/// the foreground; `setgan devices add|list|enable|disable|remove`: its device registry.
/// </summary>
public static class HubCommands
{
    public static string DefaultData => Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "setgan", "hub");

    private static Option<string> DataOption() => new("--data") { Description = "The hub's folder: registry and twins (SQLite), certificate, received images, packages.", DefaultValueFactory = _ => DefaultData };

    public static Command Hub()
    {
        var data = DataOption();
        var host = new Option<string>("--host") { Description = "The name devices reach the hub by (in SAS tokens, the certificate and package URLs).", DefaultValueFactory = _ => "localhost" };
        var mqtt = new Option<int>("--mqtt-port") { Description = "MQTT over TLS (IoT Hub's port).", DefaultValueFactory = _ => 8883 };
        var https = new Option<int>("--https-port") { Description = "HTTPS for package downloads.", DefaultValueFactory = _ => 8443 };
        var command = new Command("hub",
            "Run the embedded IoT Hub until Ctrl+C: devices connect with SAS tokens over TLS (self-signed certificate, made at first start and pinned by devices), " +
            "twins and telemetry are kept in SQLite, images are reassembled into the data folder. Register devices with `setgan devices add`.")
        {
            data, host, mqtt, https,
        };
        command.SetAction((parse, cancel) => CliErrors.Run(async () =>
        {
            string folder = parse.GetValue(data)!;
            using var log = RunLog.Create(Path.Combine(folder, "logs", "hub.json"));
            await using var hub = await EmbeddedHub.StartAsync(new HubOptions
            {
                DataDir = folder, HostName = parse.GetValue(host)!, MqttPort = parse.GetValue(mqtt), HttpsPort = parse.GetValue(https),
            }, log, cancel);
            hub.ConnectionChanged += (id, connected) => log.Information("Device {Device} {State}", id, connected ? "connected" : "disconnected");
            hub.ReportedChanged += (id, reported) => log.Information("Device {Device} reports k = {K}, status {Status}", id, reported[TwinProperties.ActiveK]?.ToJsonString(), reported[TwinProperties.Status]?.ToJsonString());
            hub.ImageReceived += image => log.Information("Image from {Device}: k = {K}, {Joules} J, {Path}", image.Device, image.K, image.Joules, image.Path);
            System.Console.WriteLine($"hub {parse.GetValue(host)}: MQTT/TLS on {hub.MqttPort}, HTTPS packages on {hub.HttpsPort}");
            System.Console.WriteLine($"certificate SHA-256 {hub.CertificateSha256} (devices pin it: it is in their connection strings)");
            System.Console.WriteLine($"{hub.Devices.List().Count} devices registered; add one with `setgan devices add ID --data {folder}`. Ctrl+C stops.");
            try { await Task.Delay(Timeout.Infinite, cancel); }
            catch (OperationCanceledException) { }
            System.Console.WriteLine("hub stopped");
            return 0;
        }));
        return command;
    }

    public static Command Devices()
    {
        var data = DataOption();
        var id = new Argument<string>("id") { Description = "The device id (letters, digits and . _ : -, as IoT Hub allows)." };
        var add = new Command("add", "Register a device and print its connection string (for the agent's --connection-string).") { id, data };
        add.SetAction((parse, cancel) => WithAdmin(parse.GetValue(data)!, admin =>
        {
            string device = parse.GetValue(id)!;
            _ = admin.Endpoint; // before anything is registered: a half-done add would leave a device without a printed key
            if (admin.Devices.Get(device) is not null) throw new ArgumentException($"device '{device}' is registered already (`setgan devices remove {device}` first to give it a new key)");
            admin.Devices.Add(device);
            System.Console.WriteLine(admin.ConnectionString(device));
        }));

        var list = new Command("list", "The registered devices with what they last reported.") { data };
        list.SetAction((parse, cancel) => WithAdmin(parse.GetValue(data)!, admin =>
        {
            var table = new Table().AddColumns("device", "enabled", "status", "k", "package", "profile", "sensor");
            foreach (var d in admin.Devices.List())
            {
                var r = admin.Twins.Get(d.Id).Reported;
                string Text(string name) => r[name]?.ToString() ?? "-";
                table.AddRow(d.Id, d.Enabled ? "yes" : "no", Text(TwinProperties.Status), Text(TwinProperties.ActiveK),
                    r[TwinProperties.ActivePackage]?["sha256"]?.ToString()[..12] ?? "-", Text(TwinProperties.Profile), r[TwinProperties.Sensor]?["name"]?.ToString() ?? "-");
            }
            AnsiConsole.Write(table);
        }));

        Command Toggle(string name, bool enabled, string what)
        {
            var c = new Command(name, what) { id, data };
            c.SetAction((parse, cancel) => WithAdmin(parse.GetValue(data)!, admin =>
            {
                string device = parse.GetValue(id)!;
                if (admin.Devices.Get(device) is null) throw new ArgumentException($"device '{device}' is not registered");
                admin.Devices.SetEnabled(device, enabled);
                System.Console.WriteLine($"device {device} {(enabled ? "enabled" : "disabled: refused from its next connection")}");
            }));
            return c;
        }

        var remove = new Command("remove", "Delete a device and its key: it can no longer connect.") { id, data };
        remove.SetAction((parse, cancel) => WithAdmin(parse.GetValue(data)!, admin =>
        {
            string device = parse.GetValue(id)!;
            if (!admin.Devices.Remove(device)) throw new ArgumentException($"device '{device}' is not registered");
            System.Console.WriteLine($"device {device} removed");
        }));

        return new Command("devices", "The embedded hub's device registry (per-device keys for SAS tokens).")
        {
            add, list, Toggle("enable", true, "Let a disabled device connect again."), Toggle("disable", false, "Refuse a device's connections (its key stays)."), remove,
        };
    }

    public static Command Fleet()
    {
        var data = DataOption();
        var group = new Option<string>("--group") { Description = "The enrollment group (made with a new key the first time).", Required = true };
        var joules = new Option<double?>("--joules-per-image") { Description = "The group's budget for new devices: at most J joules per image." };
        var watts = new Option<double?>("--watts") { Description = "The group's budget for new devices: average watts (with --images-per-minute)." };
        var rate = new Option<double?>("--images-per-minute") { Description = "The group's image rate." };
        var enroll = new Command("enroll",
            "Group enrollment (IoT Hub DPS's symmetric-key scheme): prints what to put on every board's image. Each board uses its own " +
            "device id; its key is derived from the group key and that id, and the hub registers it in the group, with the group's budget, on its first connection.")
        {
            group, data, joules, watts, rate,
        };
        enroll.SetAction((parse, cancel) => WithAdmin(parse.GetValue(data)!, admin =>
        {
            var endpoint = admin.Endpoint;
            var g = admin.Groups.GetOrCreate(parse.GetValue(group)!);
            var budget = BudgetSettings.Patch(parse.GetValue(joules), parse.GetValue(watts), parse.GetValue(rate));
            if (budget.Count > 0)
            {
                var desired = new System.Text.Json.Nodes.JsonObject { [TwinProperties.Budget] = budget };
                if (DesiredConfig.Parse(desired, out var errors) is null) throw new ArgumentException(string.Join("; ", errors));
                admin.Groups.SetDesired(g.Name, desired);
                g = admin.Groups.Get(g.Name)!;
            }
            var template = new DeviceConnectionString
            {
                HostName = endpoint.HostName, DeviceId = "DEVICE_ID", GroupKey = g.GroupKey, Port = endpoint.MqttPort, CertificateSha256 = endpoint.CertificateSha256,
            };
            System.Console.WriteLine($"enrollment group {g.Name}; new devices start with desired properties {g.Desired.ToJsonString()}");
            System.Console.WriteLine("put on every board's image (/etc/setgan-agent.env; replace DEVICE_ID with the board's own id, e.g. its serial number):");
            System.Console.WriteLine($"SETGAN_Agent__Link__Mode=local");
            System.Console.WriteLine($"SETGAN_Agent__Link__ConnectionString={template}");
        }));
        var fleet = new Command("fleet", "The fleet: the service (hub, k* per device, dashboard), budgets, deployments, group enrollment, IoT Edge deployment, trainer machines' job workers.")
        {
            enroll, WorkerCommand.Create(), EdgeManifestCommand.Create(),
        };
        foreach (var command in FleetCommands.All()) fleet.Subcommands.Add(command);
        return fleet;
    }

    private static Task<int> WithAdmin(string folder, Action<HubAdmin> action) => CliErrors.Run(() =>
    {
        using var admin = HubAdmin.Open(folder, Serilog.Core.Logger.None);
        action(admin);
        return Task.FromResult(0);
    });
}
