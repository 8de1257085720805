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

    public static async Task<int> Run(Func<Task<int>> action, string? onInterrupt = null)
    {
        try
        {
            return await action();
        }
        catch (OperationCanceledException)
        {
            Error(onInterrupt ?? "interrupted");
            return Interrupted;
        }
        catch (Exception e) when (e is ImageLoadException or CheckpointException or TrainingDivergedException or PackageException or ProfileException or ArgumentException or ArgumentOutOfRangeException or FormatException
                                       or InvalidOperationException or IOException or UnauthorizedAccessException or KeyNotFoundException
                                       or SetGan.Fleet.Client.FleetApiException)
        {
            Error(e.Message);
            return Failure;
        }
    }

    public static void Error(string message) =>
        System.Console.Error.WriteLine($"error: {message.ReplaceLineEndings(" ")}");
}
