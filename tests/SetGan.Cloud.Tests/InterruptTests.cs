using System.Diagnostics;
using SetGan.Core.Hosting;

namespace SetGan.Cloud.Tests;

/// <summary>Ctrl+C (SIGINT) in the middle of `setgan train`, then the same command again.</summary>
public sealed class InterruptTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("setgan-int-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public async Task An_interrupted_train_keeps_finished_scales_and_the_same_command_resumes()
    {
        string input = SetGanProcess.WriteTinyBalloons(dir);
        string model = Path.Combine(dir, "model");
        string[] train = ["train", input, "--iterations", "30", "--max-size", "48", "--out", model];

        // Start, wait until scale 1 is saved, then send SIGINT as a terminal's Ctrl+C would. The test
        // watches the folder rather than the log: a busy machine can delay reading the log pipe by
        // seconds, long enough for the run to finish before the signal.
        var cancel = TestContext.Current.CancellationToken;
        using var process = SetGanProcess.Start(train);
        var stdout = process.StandardOutput.ReadToEndAsync(cancel);
        var stderr = process.StandardError.ReadToEndAsync(cancel);
        string saved = Path.Combine(model + ".partial", "scale-01");
        while (!Directory.Exists(saved) && !process.HasExited) await Task.Delay(10, cancel);
        if (process.HasExited) throw new ShouldAssertException($"training ended before the signal:\n{await stderr}");
        ProcessStop.Interrupt(process);
        await process.WaitForExitAsync(cancel);
        string rest = await stderr;
        await stdout;

        process.ExitCode.ShouldBe(130, rest);
        rest.ShouldContain("rerun the same command to resume");
        Directory.Exists(model).ShouldBeFalse();
        Directory.Exists(Path.Combine(model + ".partial", "scale-01")).ShouldBeTrue();

        var resumed = await SetGanProcess.RunAsync(train);

        resumed.ExitCode.ShouldBe(0, resumed.Stderr);
        resumed.Stderr.ShouldContain("Resuming at scale");
        Directory.GetDirectories(model, "scale-*").Length.ShouldBe(4);
    }
}
