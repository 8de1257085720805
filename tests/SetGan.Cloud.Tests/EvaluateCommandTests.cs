using System.Text.Json;
using SetGan.Core.Evaluation;
using SetGan.Core.Imaging;

namespace SetGan.Cloud.Tests;

/// <summary>export -> evaluate -> choose through the real program.</summary>
public sealed class EvaluateCommandTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("setgan-evalcli-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private string P(params string[] parts) => Path.Combine([dir, .. parts]);

    private async Task<(string Package, SetGanProcess.Result Result)> Evaluate(params string[] extra)
    {
        string package = await SetGanProcess.TrainKeysAndExport(dir);
        var result = await SetGanProcess.RunAsync([
            "evaluate", package, "--image", P("tiny.png"), "--public-key", P("keys", "setgan-signing.pub"), "--key", P("keys", "setgan-signing.key"),
            "--samples", "2", "--out", P("evaluation"), .. extra]);
        return (package, result);
    }

    [Fact]
    public async Task Writes_json_markdown_charts_and_sample_grids_for_every_k_and_signs_quality_into_the_manifest()
    {
        var (package, result) = await Evaluate("--profile", "raspberry-pi-4", "--profile", "jetson-nano");

        result.ExitCode.ShouldBe(0, result.Stderr);
        var report = JsonSerializer.Deserialize(File.ReadAllBytes(P("evaluation", "evaluation.json")), EvaluationJson.Default.EvaluationReport)!;
        report.Truncations.Select(t => t.K).ShouldBe([0, 1, 2, 3]);
        report.Devices.Select(d => (d.Device, d.Source)).ShouldBe([("raspberry-pi-4", "estimated"), ("jetson-nano", "estimated")]);
        report.Devices[0].Truncations[^1].EdpNormalised.ShouldBe(1.0, 1e-12);
        File.ReadAllText(P("evaluation", "evaluation.md")).ShouldContain("| 3 | 48x36 |");
        foreach (var chart in new[] { "quality.png", "energy.png", "edp.png" })
        {
            var image = ImageFile.Load(P("evaluation", chart));
            (image.Width, image.Height).ShouldBe((900, 540));
        }
        Directory.GetFiles(P("evaluation"), "samples-k*.png").Length.ShouldBe(4);

        // The manifest now carries quality per k, and the package still verifies on a device.
        File.ReadAllText(Path.Combine(package, "manifest.json")).ShouldContain("\"quality\": [");
        var generate = await SetGanProcess.RunAsync("generate", package, "--public-key", P("keys", "setgan-signing.pub"), "--count", "1", "--out", P("out"));
        generate.ExitCode.ShouldBe(0, generate.Stderr);
    }

    [Fact]
    public async Task Another_image_than_the_one_trained_on_is_refused_and_nothing_is_written()
    {
        string package = await SetGanProcess.TrainKeysAndExport(dir);
        byte[] manifest = File.ReadAllBytes(Path.Combine(package, "manifest.json"));

        var result = await SetGanProcess.RunAsync("evaluate", package, "--image", RepoPaths.Balloons, "--public-key", P("keys", "setgan-signing.pub"),
            "--key", P("keys", "setgan-signing.key"), "--out", P("evaluation"));

        result.ExitCode.ShouldBe(1);
        result.Stderr.ShouldContain("is not the image this package was trained on");
        Directory.Exists(P("evaluation")).ShouldBeFalse();
        File.ReadAllBytes(Path.Combine(package, "manifest.json")).ShouldBe(manifest);
    }

    [Fact]
    public async Task No_store_leaves_the_manifest_byte_for_byte()
    {
        string package = await SetGanProcess.TrainKeysAndExport(dir);
        byte[] manifest = File.ReadAllBytes(Path.Combine(package, "manifest.json"));

        var result = await SetGanProcess.RunAsync("evaluate", package, "--image", P("tiny.png"), "--public-key", P("keys", "setgan-signing.pub"),
            "--no-store", "--samples", "2", "--profile", "x86-dev-box", "--out", P("evaluation"));

        result.ExitCode.ShouldBe(0, result.Stderr);
        File.ReadAllBytes(Path.Combine(package, "manifest.json")).ShouldBe(manifest);
    }

    [Fact]
    public async Task Choose_answers_k_star_with_what_bound_it_and_exit_3_when_nothing_fits()
    {
        var (_, evaluation) = await Evaluate("--profile", "raspberry-pi-4");
        evaluation.ExitCode.ShouldBe(0, evaluation.Stderr);
        string json = P("evaluation", "evaluation.json");

        var plenty = await SetGanProcess.RunAsync("choose", json, "--device", "raspberry-pi-4", "--joules-per-image", "1000");
        plenty.ExitCode.ShouldBe(0, plenty.Stderr);
        plenty.Stdout.ShouldContain("k* = 3, bound by: none");

        var starved = await SetGanProcess.RunAsync("choose", json, "--device", "raspberry-pi-4", "--joules-per-image", "1e-9");
        starved.ExitCode.ShouldBe(3);
        starved.Stdout.ShouldContain("infeasible: even the coarsest truncation does not fit");

        var unknown = await SetGanProcess.RunAsync("choose", json, "--device", "toaster", "--joules-per-image", "1");
        unknown.ExitCode.ShouldBe(1);
        unknown.Stderr.ShouldContain("it has: raspberry-pi-4");

        var twoBudgets = await SetGanProcess.RunAsync("choose", json, "--device", "raspberry-pi-4", "--joules-per-image", "1", "--watts", "3");
        twoBudgets.ExitCode.ShouldBe(1);
        twoBudgets.Stderr.ShouldContain("give one budget");
    }
}
