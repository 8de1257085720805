using System.Formats.Tar;
using SetGan.Core.Link;

namespace SetGan.Core.Tests.Link;

public sealed class PackageArchiveTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("setgan-archive-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void A_package_folder_round_trips_through_one_tar_named_by_its_sha256()
    {
        string package = Directory.CreateDirectory(Path.Combine(dir, "pkg")).FullName;
        File.WriteAllText(Path.Combine(package, "manifest.json"), "{}");
        File.WriteAllBytes(Path.Combine(package, "G0.onnx"), [1, 2, 3]);
        string tar = Path.Combine(dir, "p.tar");
        string sha = PackageArchive.Create(package, tar);
        sha.ShouldBe(PackageArchive.Sha256(tar));
        PackageArchive.Extract(tar, Path.Combine(dir, "out"));
        File.ReadAllBytes(Path.Combine(dir, "out", "G0.onnx")).ShouldBe(new byte[] { 1, 2, 3 });
    }

    [Theory]
    [InlineData("../escape.onnx")]
    [InlineData("sub/inner.onnx")]
    public void An_archive_entry_outside_the_folder_is_refused_and_nothing_is_left(string name)
    {
        string tar = Path.Combine(dir, "evil.tar");
        using (var stream = File.Create(tar))
        using (var writer = new TarWriter(stream))
            writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream([9]) });
        Should.Throw<InvalidDataException>(() => PackageArchive.Extract(tar, Path.Combine(dir, "out"))).Message.ShouldContain(name);
        Directory.Exists(Path.Combine(dir, "out")).ShouldBeFalse();
        File.Exists(Path.Combine(dir, "escape.onnx")).ShouldBeFalse();
    }

    [Fact]
    public void A_truncated_archive_gives_a_clear_error()
    {
        string package = Directory.CreateDirectory(Path.Combine(dir, "pkg")).FullName;
        File.WriteAllBytes(Path.Combine(package, "G0.onnx"), new byte[5000]);
        string tar = Path.Combine(dir, "p.tar");
        PackageArchive.Create(package, tar);
        File.WriteAllBytes(tar, File.ReadAllBytes(tar)[..1000]);
        Should.Throw<InvalidDataException>(() => PackageArchive.Extract(tar, Path.Combine(dir, "out"))).Message.ShouldContain("cannot be unpacked");
    }
}
