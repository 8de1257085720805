using static TorchSharp.torch;

namespace SetGan.Trainer.Tests.Native;

/// <summary>Blocker 1: libLibTorchSharp.so needs GLIBCXX_3.4.32; the build marks it weak in the output copy.</summary>
public class TorchSharpLoadTests
{
    private const string Version = "GLIBCXX_3.4.32";

    [Fact]
    public void TorchSharp_loads_and_computes()
    {
        using var t = ones(1);

        t.sum().item<float>().ShouldBe(1f);
    }

    [Fact]
    public void The_output_copy_of_libLibTorchSharp_has_the_glibcxx_need_marked_weak()
    {
        string[] copies = Directory.GetFiles(AppContext.BaseDirectory, "libLibTorchSharp.so", SearchOption.AllDirectories);

        copies.ShouldNotBeEmpty();
        foreach (var copy in copies)
            ElfVersionNeeds.IsWeak(File.ReadAllBytes(copy), Version).ShouldBeTrue(copy);
    }

    [Fact]
    public void The_package_cache_copy_is_left_untouched()
    {
        string home = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        string cached = Path.Combine(home, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        File.Exists(cached).ShouldBeTrue($"expected the restored package at {cached}");

        byte[] elf = File.ReadAllBytes(cached);

        ElfVersionNeeds.FindFlagsOffset(elf, Version).ShouldBeGreaterThan(0);
        ElfVersionNeeds.IsWeak(elf, Version).ShouldBeFalse();
    }
}
