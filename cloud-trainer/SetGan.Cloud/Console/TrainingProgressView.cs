using SetGan.Core.Pyramid;
using SetGan.Trainer.Checkpoints;
using SetGan.Trainer.Training;
using Serilog;
using Spectre.Console;

namespace SetGan.Cloud.Console;

/// <summary>
/// Shows training as it runs: one bar per scale with its losses, and an overall bar whose ETA
/// weighs each remaining scale by its cost (pixels x nfc^2), since the fine scales dominate.
/// Without a terminal it logs a line every tenth of a scale instead.
/// </summary>
public sealed class TrainingProgressView : ITrainingObserver
{
    private readonly ProgressTask? overall;
    private readonly ProgressTask?[] perScale;
    private readonly double[] costPerIteration;
    private readonly ILogger log;
    private readonly int iterations;

    private TrainingProgressView(ProgressContext? context, PyramidGeometry geometry, TrainingSettings settings, int completed, ILogger log)
    {
        this.log = log;
        iterations = settings.Iterations;
        costPerIteration = geometry.Sizes.Select((s, n) => NetworkWidth.ConvWork(s, n, settings.NfcInit)).ToArray();
        perScale = new ProgressTask?[geometry.ScaleCount];
        if (context is null) return;
        double total = costPerIteration.Sum() * iterations;
        overall = context.AddTask("[bold]pyramid[/]", maxValue: total);
        overall.Increment(costPerIteration.Take(completed).Sum() * iterations);
        for (int n = 0; n < geometry.ScaleCount; n++)
        {
            perScale[n] = context.AddTask(Label(n, geometry.Sizes[n], NetworkWidth.Nfc(n, settings.NfcInit), n < completed ? "[grey]done earlier[/]" : "[grey]waiting[/]"), autoStart: false, maxValue: iterations);
            if (n < completed) perScale[n]!.Increment(iterations);
        }
    }

    /// <summary>Runs <paramref name="work"/> under a live display when the console is interactive.</summary>
    public static async Task RunAsync(PyramidGeometry geometry, TrainingSettings settings, int completed, ILogger log, bool interactive, Func<ITrainingObserver, Task> work)
    {
        if (!interactive)
        {
            await work(new TrainingProgressView(null, geometry, settings, completed, log));
            return;
        }
        await AnsiConsole.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
                new ElapsedTimeColumn(), new RemainingTimeColumn())
            .StartAsync(ctx => work(new TrainingProgressView(ctx, geometry, settings, completed, log)));
    }

    public void ScaleStarted(int scale, ScaleSize size, int nfc, bool resumed) => perScale[scale]?.StartTask();

    public void Iteration(IterationReport r)
    {
        overall?.Increment(costPerIteration[r.Scale]);
        if (perScale[r.Scale] is { } task)
        {
            task.Increment(1);
            task.Description = $"scale {r.Scale}  errD {r.ErrD,7:F3}  errG {r.ErrG,7:F3}  rec {r.RecLoss,6:F4}";
        }
        else if (r.Iteration % Math.Max(1, r.Iterations / 10) == 0 || r.Iteration == r.Iterations)
        {
            log.Information("Scale {Scale} iteration {Iteration}/{Iterations}: errD {ErrD:F4} errG {ErrG:F4} rec {RecLoss:F4} ({Seconds:F1} s)",
                r.Scale, r.Iteration, r.Iterations, r.ErrD, r.ErrG, r.RecLoss, r.Elapsed.TotalSeconds);
        }
    }

    public void ScaleFinished(int scale, ScaleRecord record)
    {
        if (perScale[scale] is { } task)
        {
            string stopped = record.EarlyStop is null ? "" : $", stopped early at {record.Iterations}";
            task.Description = Label(scale, new ScaleSize(record.Width, record.Height), record.Nfc, $"[green]done[/] {record.Seconds:F0} s, rec {record.RecLoss:F4}{stopped}");
            overall?.Increment(costPerIteration[scale] * (iterations - record.Iterations));
            task.Value = task.MaxValue;
            task.StopTask();
        }
    }

    private static string Label(int n, ScaleSize size, int nfc, string status) => $"scale {n} {size} nfc {nfc}  {status}";
}
