using SetGan.Core.Onnx;
using SetGan.Core.Packaging;
using SetGan.Core.Pyramid;

namespace SetGan.Core.Tests.Packaging;

/// <summary>
/// Signed packages with random weights, built without TorchSharp: tiny ones (nfc 8) for tests, and
/// full-size ones (SinGAN's sizes and nfc) for the agent benchmark, where only the cost matters.
/// </summary>
internal static class TestPackages
{
    public static IReadOnlyList<ScaleSize> Sizes { get; } = PyramidGeometry.ForImage(48, 36, 48).Sizes;

    /// <summary>A fresh key pair under DIR/keys and a package signed with it in DIR/package.</summary>
    public static (string Package, string PrivateKey, string PublicKey) WriteSigned(string dir)
    {
        var (priv, pub) = PackageSigning.NewKeyPair(Path.Combine(dir, "keys"));
        string privateKey = File.ReadAllText(priv);
        return (Write(Path.Combine(dir, "package"), privateKey), privateKey, File.ReadAllText(pub));
    }

    public static string Write(string folder, string privateKeyPem, int seed = 1, IReadOnlyList<ScaleSize>? sizes = null, Func<int, int>? nfcOf = null,
        ModelPrecision precision = ModelPrecision.Float32)
    {
        var scales = sizes ?? Sizes;
        Func<int, int> nfc = nfcOf ?? (_ => 8);
        var random = new Random(seed);
        FoldedConv Conv(int outC, int inC)
        {
            var w = new float[outC * inC * 9];
            for (int i = 0; i < w.Length; i++) w[i] = (float)(random.NextDouble() - 0.5) * 0.4f;
            var b = new float[outC];
            for (int i = 0; i < b.Length; i++) b[i] = (float)(random.NextDouble() - 0.5) * 0.1f;
            return new FoldedConv(outC, inC, w, b);
        }
        var generators = scales.Select((size, n) => new PackagedGenerator(
            new GeneratorWeights(n, [Conv(nfc(n), 3), Conv(nfc(n), nfc(n)), Conv(nfc(n), nfc(n)), Conv(nfc(n), nfc(n))], Conv(3, nfc(n)), n == 0 ? 1.0 : 0.1), size, nfc(n))).ToList();
        var zOpt = new float[scales[0].Pixels];
        for (int i = 0; i < zOpt.Length; i++) zOpt[i] = (float)(random.NextDouble() * 2 - 1);
        var source = new PackageSource("tiny.png", new string('0', 64), "test", 0.85, new NoiseMap { Width = scales[0].Width, Height = scales[0].Height, Values = zOpt });
        PackageWriter.Write(folder, source, generators, privateKeyPem, precision: precision);
        return folder;
    }
}
