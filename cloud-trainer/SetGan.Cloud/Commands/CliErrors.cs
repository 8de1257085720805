using SetGan.Core.Energy;
using SetGan.Core.Imaging;
using SetGan.Core.Packaging;
using SetGan.Trainer.Checkpoints;
using SetGan.Trainer.Training;
using Spectre.Console;

namespace SetGan.Cloud.Commands;

/// <summary>Turns the errors a user can fix into one line on stderr and a non-zero exit code.</summary>
public static class CliErrors
{
    public const int Failure = 1;
    public const int Interrupted = 130;

    public static async Task<int> Run(Func<Task<int>> action, string? onInterrupt = null) =>
        await Run(action, System.Console.Error, onInterrupt);

    /// <summary>As <see cref="Run(Func{Task{int}}, string?)"/>, with the error lines going to <paramref name="stderr"/>.</summary>
    public static async Task<int> Run(Func<Task<int>> action, TextWriter stderr, string? onInterrupt = null)
    {
        try
        {
            return await action();
        }
        catch (OperationCanceledException)
        {
            Error(stderr, onInterrupt ?? "interrupted");
            return Interrupted;
        }
        catch (Exception e) when (IsUsers(e))
        {
            Error(stderr, e.Message);
            return Failure;
        }
        // Work on several threads (the parallel trainer's lanes) can fail more than once: one line per failure.
        catch (AggregateException e) when (e.Flatten().InnerExceptions.All(IsUsers))
        {
            foreach (var inner in e.Flatten().InnerExceptions) Error(stderr, inner.Message);
            return Failure;
        }
    }

    /// <summary>Errors that say what to fix: their message is the whole story, a stack trace would only bury it.</summary>
    private static bool IsUsers(Exception e) =>
        e is ImageLoadException or CheckpointException or TrainingDivergedException or PackageException or ProfileException or ArgumentException or FormatException
            or InvalidOperationException or IOException or UnauthorizedAccessException or KeyNotFoundException or SetGan.Fleet.Client.FleetApiException;

    public static void Error(string message) => Error(System.Console.Error, message);

    private static void Error(TextWriter stderr, string message) => stderr.WriteLine($"error: {message.ReplaceLineEndings(" ")}");
}
