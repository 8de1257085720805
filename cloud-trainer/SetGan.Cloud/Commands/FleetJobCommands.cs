using System.CommandLine;
using SetGan.Fleet.Client;
using SetGan.Fleet.Jobs;
using SetGan.Fleet.Service;
using Spectre.Console;

namespace SetGan.Cloud.Commands;

/// <summary>
/// `setgan fleet train IMAGE [--wait]` (a training job on the service: its trainers, or `setgan fleet worker`s, train it
/// and its package enters the model store by itself), `setgan fleet jobs` (every job, as a table) and `setgan fleet cancel JOB`.
/// </summary>
public static class FleetJobCommands
{
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);

    public static IEnumerable<Command> All() => [Train(), Jobs(), Cancel()];

    private static Command Train()
    {
        var (data, service, token) = (FleetCommands.DataOption(), FleetCommands.ServiceOption(), FleetCommands.TokenOption());
        var image = new Argument<string>("image") { Description = "The training image (PNG or JPEG)." };
        var preset = new Option<string>("--preset") { Description = "quick or paper (SinGAN's settings), as `setgan train`.", DefaultValueFactory = _ => "quick" };
        var mode = new Option<string>("--mode")
        {
            Description = "parallel or sequential, as `setgan train` (progressive is refused: it publishes a package per scale, a job hands back one).",
            DefaultValueFactory = _ => "parallel",
        };
        var iterations = new Option<int?>("--iterations") { Description = "Iterations per scale (default: the preset's)." };
        var maxSize = new Option<int?>("--max-size") { Description = "Longest side of the finest scale in pixels (default: the preset's)." };
        var seed = new Option<int>("--seed") { Description = "Random seed of the training.", DefaultValueFactory = _ => 0 };
        var precision = new Option<string>("--precision")
        {
            Description = "float32 or int8: the package's number format, as `setgan export --precision` (int8: about 2x less time and energy per image on CPUs with integer dot products, quality measured by `setgan evaluate`).",
            DefaultValueFactory = _ => "float32",
        };
        var wait = new Option<bool>("--wait") { Description = "Follow the job until it ends, then print its package's SHA-256 (for `setgan fleet deploy`)." };
        var command = new Command("train",
            "Submit a training job to the fleet service: a trainer (in the service, or a `setgan fleet worker`) trains it, and its signed " +
            "package enters the model store by itself, ready to deploy.")
        {
            image, preset, mode, iterations, maxSize, seed, precision, wait, data, service, token,
        };
        command.SetAction((parse, cancel) => FleetCommands.WithClient(parse, data, service, token, async client =>
        {
            string path = parse.GetValue(image)!;
            if (!File.Exists(path)) throw new FileNotFoundException($"no image at {path}");
            var request = new TrainingRequest(Path.GetFileName(path), parse.GetValue(preset)!, parse.GetValue(mode)!, parse.GetValue(iterations),
                parse.GetValue(maxSize), parse.GetValue(seed), parse.GetValue(precision)!);
            var job = await client.SubmitJobAsync(request, await File.ReadAllBytesAsync(path, cancel), cancel);
            System.Console.WriteLine($"job {job.Id} queued: {job.Image} ({job.Preset}, {job.Mode}, {job.Precision})");
            if (!parse.GetValue(wait))
            {
                System.Console.WriteLine("follow it with `setgan fleet jobs`; its package enters the model store when it succeeds");
                return;
            }
            var ended = await FollowAsync(client, job, cancel);
            if (ended.Package is null)
                throw new InvalidOperationException($"job {ended.Id} {ended.State switch { "failed" => "failed", "cancelled" => "was cancelled", _ => "gave no deployable package" }}: {ended.Error}");
            System.Console.WriteLine($"job {ended.Id} succeeded; package {ended.Package} is in the model store");
            System.Console.WriteLine($"deploy it with `setgan fleet deploy {ended.Package[..12]} --tag TAG`");
        }));
        return command;
    }

    /// <summary>Prints a line whenever the job's state, worker or progress changes, until it ends.</summary>
    private static async Task<JobView> FollowAsync(FleetClient client, JobView job, CancellationToken cancel)
    {
        string? shown = null;
        while (true)
        {
            string line = job.State switch
            {
                "queued" => "queued, waiting for a trainer",
                "running" => $"running on {job.Worker} (attempt {job.Attempts}): {job.Progress ?? "starting"}",
                "succeeded" when !job.Ended => "trained; taking the package into the model store",
                _ => job.State,
            };
            if (line != shown) System.Console.WriteLine($"[{DateTime.Now:HH:mm:ss}] {line}");
            shown = line;
            if (job.Ended) return job;
            await Task.Delay(Poll, cancel);
            job = await client.JobAsync(job.Id, cancel);
        }
    }

    private static Command Jobs()
    {
        var (data, service, token) = (FleetCommands.DataOption(), FleetCommands.ServiceOption(), FleetCommands.TokenOption());
        var command = new Command("jobs", "The training jobs, oldest first: image, state, worker, progress, attempts, the package's SHA-256 once in the model store, and any error.")
        {
            data, service, token,
        };
        command.SetAction((parse, cancel) => FleetCommands.WithClient(parse, data, service, token, async client =>
        {
            var table = new Table().AddColumns("id", "image", "state", "worker", "progress", "attempts", "package", "error");
            foreach (var j in await client.JobsAsync(cancel))
                table.AddRow(Markup.Escape(j.Id), Markup.Escape(j.Image), StateMarkup(j.State), Markup.Escape(j.Worker ?? "-"), Markup.Escape(j.Progress ?? "-"),
                    j.Attempts.ToString(), Markup.Escape(j.Package?[..12] ?? "-"), j.Error is null ? "" : $"[red]{Markup.Escape(j.Error)}[/]");
            AnsiConsole.Write(table);
        }));
        return command;
    }

    private static Command Cancel()
    {
        var (data, service, token) = (FleetCommands.DataOption(), FleetCommands.ServiceOption(), FleetCommands.TokenOption());
        var id = new Argument<string>("job") { Description = "The job's id, as `setgan fleet jobs` lists it." };
        var reason = new Option<string?>("--reason") { Description = "Why, recorded as the job's error (default: cancelled by an operator)." };
        var command = new Command("cancel",
            "Cancel a queued or running training job: no trainer claims it again, and the one training it stops at its next lease renewal " +
            "(within a third of its lease, 40 s by default) and drops its work.")
        {
            id, reason, data, service, token,
        };
        command.SetAction((parse, cancel) => FleetCommands.WithClient(parse, data, service, token, async client =>
        {
            var job = await client.CancelJobAsync(parse.GetValue(id)!, parse.GetValue(reason), cancel);
            System.Console.WriteLine($"job {job.Id} cancelled ({job.Error}){(job.Worker is null ? "" : $"; {job.Worker} stops training it at its next lease renewal")}");
        }));
        return command;
    }

    private static string StateMarkup(string state) => state switch
    {
        "failed" => "[red]failed[/]",
        "cancelled" => "[yellow]cancelled[/]",
        "succeeded" => "[green]succeeded[/]",
        _ => Markup.Escape(state),
    };
}
