using System.Diagnostics;
using SetGan.Core.Tests.Packaging;
using SetGan.Core.Hosting;

namespace SetGan.Agent.Tests.Hosting;

/// <summary>The agent program: configuration checked at start, the self-test, and a graceful stop on Ctrl+C.</summary>
public sealed class AgentHostTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("setgan-agent-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public async Task The_self_test_checks_profile_sensor_runtime_and_package_and_passes_on_an_emulated_board()
    {
        var (package, _, _) = TestPackages.WriteSigned(dir);
        var result = await AgentProcess.RunAsync("--device", "pi-01", "--profile", "raspberry-pi-4", "--sensor", "emulated-ina219",
            "--package", package, "--public-key", Path.Combine(dir, "keys", "setgan-signing.pub"), "--data", dir, "--self-test");

        result.ExitCode.ShouldBe(0, result.Stdout + result.Stderr);
        result.Stdout.ShouldContain("ok    profile  raspberry-pi-4");
        result.Stdout.ShouldContain("ok    sensor   emulated ina219@0x40 bus 1");
        result.Stdout.ShouldContain("(estimated)");
        result.Stdout.ShouldContain("ok    runtime  ONNX Runtime");
        result.Stdout.ShouldContain("signature and 4 generators verified");
    }

    [Fact]
    public async Task The_self_test_fails_and_says_why_when_the_sensor_is_missing()
    {
        // This machine has no /sys/class/powercap RAPL zone readable: the x86 profile's sensor is missing.
        // A profile whose RAPL zone does not exist: the sensor is missing, whatever this machine has.
        string profile = Path.Combine(dir, "x86-dev-box.json");
        File.WriteAllText(profile, File.ReadAllText(RepoPaths.File("device-profiles", "x86-dev-box.json")).Replace("/sys/class/powercap/intel-rapl:0", "/sys/class/powercap/intel-rapl:99"));
        var result = await AgentProcess.RunAsync("--device", "box-01", "--profile", profile, "--data", dir, "--self-test");

        result.ExitCode.ShouldBe(1);
        result.Stdout.ShouldContain("FAIL  sensor   rapl intel-rapl:99: cannot read energy_uj");
        result.Stdout.ShouldContain("ok    runtime");
    }

    [Fact]
    public async Task Bad_configuration_is_refused_at_start_with_every_problem_named()
    {
        var result = await AgentProcess.RunAsync("--device", "bad id!", "--profile", "toaster", "--rate", "5000", "--package", Path.Combine(dir, "nope"), "--data", dir);

        result.ExitCode.ShouldBe(1);
        result.Stderr.ShouldContain("Agent:Device 'bad id!' may hold only");
        result.Stderr.ShouldContain("device profile 'toaster' not found");
        result.Stderr.ShouldContain("Agent:SampleRateHz 5000 is outside 0.1..1000");
        result.Stderr.ShouldContain("Agent:Package");
        result.Stdout.ShouldNotContain("starting");
    }

    [Fact]
    public async Task Environment_variables_configure_it_too()
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "setgan-agent.dll"));
        info.ArgumentList.Add("--self-test");
        info.Environment["SETGAN_Agent__Device"] = "env-01";
        info.Environment["SETGAN_Agent__Profile"] = "jetson-nano";
        info.Environment["SETGAN_Agent__Sensor"] = "estimate";
        using var process = Process.Start(info)!;
        string stdout = await process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);

        process.ExitCode.ShouldBe(0, stdout);
        stdout.ShouldContain("self-test for device env-01");
        stdout.ShouldContain("cpu-time model (jetson-nano)");
    }

    [Fact]
    public async Task It_senses_power_until_ctrl_c_and_then_stops_cleanly_with_a_json_log()
    {
        var cancel = TestContext.Current.CancellationToken;
        using var process = AgentProcess.Start("--device", "pi-02", "--profile", "raspberry-pi-5", "--sensor", "emulated-ina219", "--rate", "200", "--data", dir);
        var stderr = process.StandardError.ReadToEndAsync(cancel);
        string? line;
        var seen = new List<string>();
        while ((line = await process.StandardOutput.ReadLineAsync(cancel)) is not null)
        {
            seen.Add(line);
            if (line.Contains("Power sensing:")) break;
        }
        if (line is null) throw new ShouldAssertException($"the agent ended before sensing:\n{string.Join('\n', seen)}\n{await stderr}");
        ProcessStop.Interrupt(process);
        string rest = await process.StandardOutput.ReadToEndAsync(cancel);
        await process.WaitForExitAsync(cancel);

        process.ExitCode.ShouldBe(0, rest + await stderr);
        rest.ShouldContain("setgan-agent stopped");
        string log = File.ReadAllText(Directory.GetFiles(Path.Combine(dir, "logs"), "agent-*.json").Single());
        log.ShouldContain("\"Device\":\"pi-02\"");
        log.ShouldContain("Power sensing");
    }

    [Fact]
    public async Task Measure_writes_an_energy_profile_the_cloud_reads_and_labels_an_emulated_one_estimated()
    {
        var (package, _, _) = TestPackages.WriteSigned(dir);
        string output = Path.Combine(dir, "energy.json");
        var result = await AgentProcess.RunAsync("--device", "pi-03", "--profile", "raspberry-pi-4", "--sensor", "emulated-ina219", "--rate", "200",
            "--package", package, "--public-key", Path.Combine(dir, "keys", "setgan-signing.pub"), "--data", dir, "--measure", "--out", output);

        result.ExitCode.ShouldBe(0, result.Stdout + result.Stderr);
        result.Stdout.ShouldContain("energy profile (estimated) written to");
        var profile = SetGan.Core.Energy.TruncationEnergy.LoadMeasured(output);
        profile.Device.ShouldBe("pi-03");
        profile.Estimated.ShouldBeTrue();
        profile.Truncations.Count.ShouldBe(4);
        profile.Truncations.ShouldAllBe(t => t.JoulesPerImage > 0 && t.SecondsPerImage > 0 && t.Images >= 10);
        using var loaded = SetGan.Core.Packaging.PyramidPackage.Load(package, File.ReadAllText(Path.Combine(dir, "keys", "setgan-signing.pub")));
        SetGan.Core.Energy.TruncationEnergy.FromMeasured(profile, loaded.Manifest.ModelsSha256(), 4)
            .ShouldAllBe(e => e.Source == SetGan.Core.Energy.EnergySource.Estimated);
    }
}
