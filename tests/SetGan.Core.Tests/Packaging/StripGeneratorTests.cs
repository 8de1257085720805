using SetGan.Core.Packaging;
using SetGan.Core.Pyramid;

namespace SetGan.Core.Tests.Packaging;

/// <summary>Running the generators' convs over strips must give the images the whole graphs give, at every k and size.</summary>
public sealed class StripGeneratorTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("setgan-strips-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static float MaxDifference(float[] a, float[] b) => a.Zip(b, (x, y) => Math.Abs(x - y)).Max();

    [Theory]
    [InlineData(1)]  // one row a strip: every strip is mostly halo
    [InlineData(7)]  // strips that do not divide any scale's height
    [InlineData(64)] // taller than every scale: one strip
    public void Strips_of_any_height_give_the_whole_graphs_images(int rows)
    {
        var (package, _, publicKey) = TestPackages.WriteSigned(dir);
        using var whole = PyramidPackage.Load(package, publicKey);
        using var strips = PyramidPackage.Load(package, publicKey, stripRows: rows);

        for (int k = 0; k <= whole.FinestScale; k++)
        {
            MaxDifference(strips.Generate(k, seed: 3).Pixels, whole.Generate(k, seed: 3).Pixels).ShouldBeLessThan(1e-5f, $"k = {k}");
            MaxDifference(strips.Reconstruct(k).Pixels, whole.Reconstruct(k).Pixels).ShouldBeLessThan(1e-5f, $"reconstruction at k = {k}");
        }
        var wide = new ScaleSize(70, 23);
        MaxDifference(strips.Generate(whole.FinestScale, wide, seed: 5).Pixels, whole.Generate(whole.FinestScale, wide, seed: 5).Pixels).ShouldBeLessThan(1e-5f);
    }
}
