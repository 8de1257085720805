using SetGan.Core.Imaging;

namespace SetGan.Cloud.Tests;

/// <summary>train -> keys new -> export -> generate through the real program, and a package it must refuse.</summary>
public sealed class PackageCommandTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("setgan-pkgcli-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private string P(params string[] parts) => Path.Combine([dir, .. parts]);

    private Task<string> TrainKeysAndExport() => SetGanProcess.TrainKeysAndExport(dir);

    [Fact]
    public async Task An_exported_package_generates_pngs_at_a_chosen_k_and_size()
    {
        string package = await TrainKeysAndExport();

        var result = await SetGanProcess.RunAsync("generate", package, "--public-key", P("keys", "setgan-signing.pub"),
            "--k", "2", "--count", "2", "--size", "80x40", "--out", P("out"));

        result.ExitCode.ShouldBe(0, result.Stderr);
        Directory.GetFiles(package, "G*.onnx").Length.ShouldBe(4);
        var files = Directory.GetFiles(P("out"), "*.png");
        files.Length.ShouldBe(2);
        var image = ImageFile.Load(files[0]);
        (image.Width, image.Height).ShouldBe((80, 40));
    }

    [Fact]
    public async Task An_int8_export_of_the_same_model_generates_and_says_so_in_its_manifest()
    {
        await TrainKeysAndExport();

        var export = await SetGanProcess.RunAsync("export", P("model"), "--out", P("int8"), "--key", P("keys", "setgan-signing.key"), "--precision", "int8");
        export.ExitCode.ShouldBe(0, export.Stderr);
        File.ReadAllText(P("int8", "manifest.json")).ShouldContain("\"precision\": \"int8\"");
        var result = await SetGanProcess.RunAsync("generate", P("int8"), "--public-key", P("keys", "setgan-signing.pub"), "--count", "1", "--out", P("out"));
        result.ExitCode.ShouldBe(0, result.Stderr);
        Directory.GetFiles(P("out"), "*.png").Length.ShouldBe(1);

        var wrong = await SetGanProcess.RunAsync("export", P("model"), "--out", P("fp16"), "--key", P("keys", "setgan-signing.key"), "--precision", "fp16");
        wrong.ExitCode.ShouldNotBe(0);
        wrong.Stderr.ShouldContain("fp16");
        Directory.Exists(P("fp16")).ShouldBeFalse();
    }

    [Fact]
    public async Task A_tampered_package_is_refused_with_the_file_named_and_nothing_generated()
    {
        string package = await TrainKeysAndExport();
        var bytes = File.ReadAllBytes(Path.Combine(package, "G1.onnx"));
        bytes[^8] ^= 0x10;
        File.WriteAllBytes(Path.Combine(package, "G1.onnx"), bytes);

        var result = await SetGanProcess.RunAsync("generate", package, "--public-key", P("keys", "setgan-signing.pub"), "--out", P("out"));

        result.ExitCode.ShouldBe(1);
        result.Stderr.ShouldContain("G1.onnx: its SHA-256 does not match");
        Directory.Exists(P("out")).ShouldBeFalse();
    }

    [Fact]
    public async Task The_image_apps_write_pngs_of_the_expected_size()
    {
        string package = await TrainKeysAndExport();
        string key = P("keys", "setgan-signing.pub");
        string input = SetGanProcess.WriteTinyBalloons(dir);
        var mask = new RgbImage(48, 36);
        for (int y = 10; y < 20; y++) for (int x = 10; x < 30; x++) for (int c = 0; c < 3; c++) mask[c, y, x] = 1f;
        ImageFile.SavePng(mask, P("mask.png"));

        var sr = await SetGanProcess.RunAsync("apply", "sr", package, "--public-key", key, "--input", input, "--factor", "2", "--out", P("sr.png"));
        var paint = await SetGanProcess.RunAsync("apply", "paint", package, "--public-key", key, "--input", input, "--scale", "1", "--out", P("paint.png"));
        var harmonize = await SetGanProcess.RunAsync("apply", "harmonize", package, "--public-key", key, "--input", input, "--mask", P("mask.png"), "--scale", "2", "--out", P("harmonized.png"));
        var badScale = await SetGanProcess.RunAsync("apply", "paint", package, "--public-key", key, "--input", input, "--scale", "0", "--out", P("bad.png"));

        sr.ExitCode.ShouldBe(0, sr.Stderr);
        paint.ExitCode.ShouldBe(0, paint.Stderr);
        harmonize.ExitCode.ShouldBe(0, harmonize.Stderr);
        (ImageFile.Load(P("sr.png")).Width, ImageFile.Load(P("sr.png")).Height).ShouldBe((96, 72));
        (ImageFile.Load(P("paint.png")).Width, ImageFile.Load(P("paint.png")).Height).ShouldBe((48, 36));
        (ImageFile.Load(P("harmonized.png")).Width, ImageFile.Load(P("harmonized.png")).Height).ShouldBe((48, 36));
        badScale.ExitCode.ShouldBe(1);
        badScale.Stderr.ShouldContain("scale 0 has no input image");
        File.Exists(P("bad.png")).ShouldBeFalse();
    }
}
