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
        var (exitCode, output) = await RunScript("arm64-smoke.sh");

        exitCode.ShouldBe(0, output);
        output.ShouldContain("arm64-smoke: PASS", customMessage: output);
        output.ShouldContain("ok    runtime  ONNX Runtime");
        output.ShouldContain("ok    sensor   emulated ina219@0x40");
    }

    /// <summary>
    /// Dockerfile.arm64 built as it is (buildah, no daemon; stand-in base images where no registry answers, which the
    /// script's PASS line says), and the image's agent run as the image's user on the image's own arm64 libraries.
    /// About 3.5 min on a cold cache (two debootstraps, the build stage's apt-get, restore and Native AOT publish).
    /// </summary>
    [Fact]
    public async Task The_arm64_container_image_builds_from_its_Dockerfile_and_its_agent_passes_the_self_test_as_its_non_root_user()
    {
        var (exitCode, output) = await RunScript("arm64-image.sh");

        exitCode.ShouldBe(0, output);
        output.ShouldContain("arm64-image: PASS", customMessage: output);
        output.ShouldContain("arm64-image: build     Dockerfile.arm64 -> localhost/setgan-agent:arm64-check (arm64 1654 [setgan-agent])");
        output.ShouldContain("ok    package  /tmp/check/signed/package: signature and 4 generators verified");
    }

    private static async Task<(int ExitCode, string Output)> RunScript(string name)
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(RepoPaths.File("scripts", name));
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(15)); // a hung qemu or build must end the test, not the CI run
        try { await process.WaitForExitAsync(timeout.Token); }
        catch (OperationCanceledException) { process.Kill(entireProcessTree: true); throw; }
        return (process.ExitCode, await stdout + await stderr);
    }
}

/// <summary>qemu and the image build keep both cores busy for a while: run them alone, one after the other, not beside the agent's timing-sensitive tests.</summary>
[CollectionDefinition(nameof(Arm64SmokeTests), DisableParallelization = true)]
public class Arm64SmokeCollection;
