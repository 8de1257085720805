using SetGan.Cloud.Commands;
using Spectre.Console;

namespace SetGan.Cloud.Console;

/// <summary>A progress bar over numbered steps when someone watches, one log line per step when not.</summary>
public static class StepProgress
{
    public static void Run(string title, int steps, Action<int> step)
    {
        if (!RunLog.Interactive)
        {
            for (int i = 0; i < steps; i++)
            {
                System.Console.Error.WriteLine($"{title}: {i + 1}/{steps}");
                step(i);
            }
            return;
        }
        AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask(title, maxValue: steps);
                for (int i = 0; i < steps; i++)
                {
                    task.Description = $"{title} ({i + 1}/{steps})";
                    step(i);
                    task.Increment(1);
                }
            });
    }
}
