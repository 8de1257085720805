using System.Text.Json;

namespace SetGan.Cloud.Tests;

/// <summary>`setgan train --mode parallel|progressive` through the real program.</summary>
public sealed class TrainModesTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("setgan-modes-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private string P(params string[] parts) => Path.Combine([dir, .. parts]);

    [Fact]
    public async Task Progressive_training_publishes_packages_that_generate_while_logging_each_event()
    {
        string input = SetGanProcess.WriteTinyBalloons(dir);
        (await SetGanProcess.RunAsync("keys", "new", "--out", P("keys"))).ExitCode.ShouldBe(0);

        var train = await SetGanProcess.RunAsync("train", input, "--mode", "progressive", "--iterations", "2", "--max-size", "48",
            "--key", P("keys", "setgan-signing.key"), "--out", P("model"));

        train.ExitCode.ShouldBe(0, train.Stderr);
        train.Stderr.ShouldContain("Parallel training on");
        train.Stderr.ShouldContain("Published k = 3 as package version 4");
        var events = File.ReadAllLines(P("model-packages", "events.jsonl")).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("k").GetInt32());
        events.ShouldBe([0, 1, 2, 3]);
        var generate = await SetGanProcess.RunAsync("generate", P("model-packages", "k1"), "--public-key", P("keys", "setgan-signing.pub"), "--count", "1", "--out", P("out"));
        generate.ExitCode.ShouldBe(0, generate.Stderr);
        generate.Stdout.ShouldContain("at k = 1");
    }

    [Fact]
    public async Task Progressive_training_publishes_int8_packages_when_asked_and_other_modes_point_to_export()
    {
        string input = SetGanProcess.WriteTinyBalloons(dir);
        (await SetGanProcess.RunAsync("keys", "new", "--out", P("keys"))).ExitCode.ShouldBe(0);

        var train = await SetGanProcess.RunAsync("train", input, "--mode", "progressive", "--iterations", "2", "--max-size", "48", "--precision", "int8",
            "--key", P("keys", "setgan-signing.key"), "--out", P("model"));
        var parallel = await SetGanProcess.RunAsync("train", input, "--mode", "parallel", "--iterations", "2", "--max-size", "48", "--precision", "int8",
            "--out", P("other"));

        train.ExitCode.ShouldBe(0, train.Stderr);
        foreach (int k in new[] { 0, 3 })
        {
            var manifest = SetGan.Core.Packaging.PyramidPackage.ReadManifest(P("model-packages", $"k{k}"), File.ReadAllText(P("keys", "setgan-signing.pub")));
            (manifest.ModelPrecision, manifest.Scales.Count).ShouldBe((SetGan.Core.Packaging.ModelPrecision.Int8, k + 1));
        }
        var generate = await SetGanProcess.RunAsync("generate", P("model-packages", "k3"), "--public-key", P("keys", "setgan-signing.pub"), "--count", "1", "--out", P("out"));
        generate.ExitCode.ShouldBe(0, generate.Stderr);
        parallel.ExitCode.ShouldBe(1);
        parallel.Stderr.ShouldContain("--precision is for --mode progressive");
        parallel.Stderr.ShouldContain("setgan export --precision int8");
        Directory.Exists(P("other.partial")).ShouldBeFalse();
    }

    [Fact]
    public async Task Progressive_mode_without_a_signing_key_fails_before_training()
    {
        var train = await SetGanProcess.RunAsync("train", SetGanProcess.WriteTinyBalloons(dir), "--mode", "progressive", "--iterations", "2", "--max-size", "48",
            "--key", P("nokeys", "setgan-signing.key"), "--out", P("model"));

        train.ExitCode.ShouldBe(1);
        train.Stderr.ShouldContain("setgan keys new");
        Directory.Exists(P("model.partial")).ShouldBeFalse();
    }

    [Fact]
    public async Task Parallel_training_with_early_exit_records_why_the_pyramid_is_shorter()
    {
        var train = await SetGanProcess.RunAsync("train", SetGanProcess.WriteTinyBalloons(dir), "--mode", "parallel", "--iterations", "2", "--max-size", "48",
            "--ssim-target", "0.001", "--out", P("model"));

        train.ExitCode.ShouldBe(0, train.Stderr);
        train.Stderr.ShouldContain("Early exit: the reconstruction at k = 0 reaches SSIM");
        JsonDocument.Parse(File.ReadAllText(P("model", "model.json"))).RootElement.GetProperty("sizes").GetArrayLength().ShouldBe(1);
        var sample = await SetGanProcess.RunAsync("sample", P("model"), "--count", "2", "--out", P("samples"));
        sample.ExitCode.ShouldBe(0, sample.Stderr);
    }

    [Theory]
    [InlineData("true", 0)]      // one thread, one lane: every scale above 0 trains on the chain below from its first iteration
    [InlineData("false", null)]  // the paper's conditioning: the real image below throughout
    public async Task Handover_is_on_by_default_and_recorded_per_scale(string handOver, int? expected)
    {
        string[] option = handOver == "true" ? [] : ["--handover", handOver];
        var train = await SetGanProcess.RunAsync(["train", SetGanProcess.WriteTinyBalloons(dir), "--mode", "parallel", "--iterations", "2", "--max-size", "48",
            "--threads", "1", "--chain-tune", "2", .. option, "--out", P("model")]);

        train.ExitCode.ShouldBe(0, train.Stderr);
        for (int n = 1; n < 4; n++)
        {
            var record = JsonDocument.Parse(File.ReadAllText(P("model", $"scale-{n:D2}", "scale.json"))).RootElement.GetProperty("handed_over_at");
            (record.ValueKind == JsonValueKind.Null ? (int?)null : record.GetInt32()).ShouldBe(expected, $"scale {n}");
        }
    }

    [Fact]
    public async Task Bad_mode_options_are_refused_with_a_clear_message()
    {
        var mode = await SetGanProcess.RunAsync("train", "x.png", "--mode", "sideways", "--out", P("m"));
        mode.ExitCode.ShouldNotBe(0);
        mode.Stderr.ShouldContain("sideways");
        var target = await SetGanProcess.RunAsync("train", SetGanProcess.WriteTinyBalloons(dir), "--ssim-target", "1.5", "--out", P("m"));
        target.ExitCode.ShouldBe(1);
        target.Stderr.ShouldContain("--ssim-target must be in (0, 1]");
        var tune = await SetGanProcess.RunAsync("train", SetGanProcess.WriteTinyBalloons(dir), "--mode", "parallel", "--chain-tune", "-1", "--out", P("m"));
        tune.ExitCode.ShouldBe(1);
        tune.Stderr.ShouldContain("--chain-tune must be 0 or more");
        Directory.Exists(P("m")).ShouldBeFalse();
        Directory.Exists(P("m") + ".partial").ShouldBeFalse();
    }
}
