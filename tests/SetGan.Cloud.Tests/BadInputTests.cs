namespace SetGan.Cloud.Tests;

/// <summary>`setgan train` with inputs it cannot use: one line on stderr, a non-zero exit, and no model left behind.</summary>
public sealed class BadInputTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("setgan-bad-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private async Task<SetGanProcess.Result> Train(string image, string? output = null)
    {
        string outDir = output ?? Path.Combine(dir, "model");
        return await SetGanProcess.RunAsync("train", image, "--iterations", "1", "--out", outDir);
    }

    private void ShouldFailCleanly(SetGanProcess.Result result, string expected, string? output = null)
    {
        result.ExitCode.ShouldBe(1, result.Stderr);
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Length.ShouldBe(1, result.Stderr);
        lines[0].ShouldStartWith("error: ");
        lines[0].ShouldContain(expected);
        string outDir = output ?? Path.Combine(dir, "model");
        Directory.Exists(outDir).ShouldBeFalse();
        Directory.Exists(outDir + ".partial").ShouldBeFalse();
    }

    [Fact]
    public async Task Missing_image() =>
        ShouldFailCleanly(await Train(Path.Combine(dir, "missing.png")), "not found");

    [Fact]
    public async Task Corrupt_image()
    {
        string path = Path.Combine(dir, "corrupt.png");
        var bytes = new byte[4000];
        new Random(3).NextBytes(bytes);
        File.WriteAllBytes(path, bytes);

        ShouldFailCleanly(await Train(path), "not a readable image");
    }

    [Fact]
    public async Task Truncated_png()
    {
        byte[] png = File.ReadAllBytes(RepoPaths.Balloons);
        string path = Path.Combine(dir, "cut.png");
        File.WriteAllBytes(path, png[..(png.Length * 2 / 3)]);

        ShouldFailCleanly(await Train(path), "damaged");
    }

    [Fact]
    public async Task Text_file()
    {
        string path = Path.Combine(dir, "readme.jpg");
        File.WriteAllText(path, "this is not an image");

        ShouldFailCleanly(await Train(path), "not a readable image");
    }

    [Fact]
    public async Task Too_small_image()
    {
        string path = Path.Combine(dir, "tiny.png");
        File.WriteAllBytes(path, Convert.FromBase64String(Tiny20x20Png));

        ShouldFailCleanly(await Train(path), "short side");
    }

    [Fact]
    public async Task Unwritable_output()
    {
        string blocker = Path.Combine(dir, "a-file");
        File.WriteAllText(blocker, "not a folder");
        string output = Path.Combine(blocker, "model");

        ShouldFailCleanly(await Train(RepoPaths.Balloons, output), "cannot write the output", output);
    }

    [Fact]
    public async Task Existing_output_is_not_overwritten_without_force()
    {
        string output = Path.Combine(dir, "taken");
        Directory.CreateDirectory(output);
        File.WriteAllText(Path.Combine(output, "keep.txt"), "mine");

        var result = await Train(RepoPaths.Balloons, output);

        result.ExitCode.ShouldBe(1);
        result.Stderr.ShouldContain("already exists");
        File.ReadAllText(Path.Combine(output, "keep.txt")).ShouldBe("mine");
    }

    [Fact]
    public async Task Unknown_preset_is_a_usage_error()
    {
        var result = await SetGanProcess.RunAsync("train", "x.png", "--preset", "huge", "--out", Path.Combine(dir, "m"));

        result.ExitCode.ShouldNotBe(0);
        result.Stderr.ShouldContain("huge");
    }

    // A 20x20 grey PNG: below SinGAN's 25 px coarsest scale.
    private const string Tiny20x20Png =
        "iVBORw0KGgoAAAANSUhEUgAAABQAAAAUCAIAAAAC64paAAAAGElEQVR4nGNooAAwjGoe1TyqeVTzwGoGAAiOWB/1S93UAAAAAElFTkSuQmCC";
}
