using System.Diagnostics;
using SetGan.Core.Hosting;

namespace SetGan.Core.Tests.Hosting;

public sealed class ProcessStopTests
{
    private static Process Shell(string script) => Process.Start(new ProcessStartInfo("sh", ["-c", script]) { RedirectStandardOutput = true })!;

    [Fact]
    public async Task A_process_that_honours_ctrl_c_stops_by_itself_and_one_that_ignores_it_is_killed_after_the_grace()
    {
        using var polite = Shell("trap 'echo stopping; exit 0' INT; echo ready; while true; do sleep 0.05; done");
        using var stubborn = Shell("trap '' INT; echo ready; while true; do sleep 0.05; done");
        (await polite.StandardOutput.ReadLineAsync(TestContext.Current.CancellationToken)).ShouldBe("ready");
        (await stubborn.StandardOutput.ReadLineAsync(TestContext.Current.CancellationToken)).ShouldBe("ready");

        (await ProcessStop.StopAsync(polite, TimeSpan.FromSeconds(20))).ShouldBeTrue();
        (await ProcessStop.StopAsync(stubborn, TimeSpan.FromMilliseconds(500))).ShouldBeFalse();

        (polite.ExitCode, (await polite.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken)).Trim()).ShouldBe((0, "stopping"));
        stubborn.HasExited.ShouldBeTrue();
        Should.NotThrow(() => ProcessStop.Interrupt(polite)); // exited already: nothing to do
    }
}
