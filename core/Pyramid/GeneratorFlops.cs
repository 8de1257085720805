namespace SetGan.Core.Pyramid;

/// <summary>
/// Analytical FLOPs of SinGAN's generators (2 FLOPs per multiply-add of the five 3x3 convs; BatchNorm
/// folds away, activations and the upsampling are a rounding error). The device-side estimate of
/// energy per image and the benchmarks' achieved GFLOP/s both start here.
/// </summary>
public static class GeneratorFlops
{
    public const int Layers = 5;

    /// <summary>FLOPs of the 5-conv body on an input of the given size (no padding inside, so each conv trims 2).</summary>
    public static double Body(int height, int width, int nfc, int outChannels)
    {
        double flops = 0;
        int inC = 3;
        for (int layer = 0; layer < Layers; layer++)
        {
            height -= 2;
            width -= 2;
            int outC = layer == Layers - 1 ? outChannels : nfc;
            flops += 2.0 * inC * outC * 9 * height * width;
            inC = outC;
        }
        return flops;
    }

    /// <summary>One inference pass of G_n at <paramref name="size"/>: its input is padded by 5 on each side.</summary>
    public static double Generator(ScaleSize size, int nfc) => Body(size.Height + 2 * Layers, size.Width + 2 * Layers, nfc, 3);

    /// <summary>One image from the pyramid truncated at k: G_0..G_k at the given sizes, SinGAN's nfc schedule.</summary>
    public static double Truncation(IReadOnlyList<ScaleSize> sizes, int k) =>
        Truncation(sizes.Take(k + 1).Select((size, n) => (size, NetworkWidth.Nfc(n))));

    /// <summary>One image through the given generators (size and width of each), coarsest first.</summary>
    public static double Truncation(IEnumerable<(ScaleSize Size, int Nfc)> generators) =>
        generators.Sum(g => Generator(g.Size, g.Nfc));
}
