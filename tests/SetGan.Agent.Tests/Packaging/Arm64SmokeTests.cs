using System.Diagnostics;

namespace SetGan.Agent.Tests.Packaging;

/// <summary>
/// The agent as it ships to a Raspberry Pi: published for linux-arm64 as one Native AOT executable and run under
/// qemu user-mode by scripts/arm64-smoke.sh, which CI also calls. On a cold cache the script downloads qemu 10 and an
/// arm64 sysroot from Debian's mirror (about 70 MB) into $SETGAN_CACHE. Native AOT compiles the whole agent on every
/// run: about 1.5 min alone on 2 cores, 3.5 min beside the other test assemblies in CI.
/// </summary>
[Collection(nameof(Arm64SmokeTests))]
public class Arm64SmokeTests
{
    [Fact]
    public async Task The_published_linux_arm64_agent_passes_its_self_test_under_qemu_generating_the_same_image_as_x64()
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(RepoPaths.File("scripts", "arm64-smoke.sh"));
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(15)); // a hung qemu must end the test, not the CI run
        try { await process.WaitForExitAsync(timeout.Token); }
        catch (OperationCanceledException) { process.Kill(entireProcessTree: true); throw; }
        string output = await stdout + await stderr;

        process.ExitCode.ShouldBe(0, output);
        output.ShouldContain("arm64-smoke: PASS", customMessage: output);
        output.ShouldContain("ok    runtime  ONNX Runtime");
        output.ShouldContain("ok    sensor   emulated ina219@0x40");
    }
}

/// <summary>qemu keeps both cores busy for a while: run it alone, not beside the agent's timing-sensitive tests.</summary>
[CollectionDefinition(nameof(Arm64SmokeTests), DisableParallelization = true)]
public class Arm64SmokeCollection;
