using SetGan.Core.Onnx;
using SetGan.Core.Packaging;
using SetGan.Core.Pyramid;

namespace SetGan.Core.Tests.Packaging;

/// <summary>Small signed packages with random weights (nfc 8), built without TorchSharp.</summary>
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

    public static string Write(string folder, string privateKeyPem, int seed = 1)
    {
        var random = new Random(seed);
        FoldedConv Conv(int outC, int inC)
        {
            var w = new float[outC * inC * 9];
            for (int i = 0; i < w.Length; i++) w[i] = (float)(random.NextDouble() - 0.5) * 0.4f;
            var b = new float[outC];
            for (int i = 0; i < b.Length; i++) b[i] = (float)(random.NextDouble() - 0.5) * 0.1f;
            return new FoldedConv(outC, inC, w, b);
        }
        var generators = Sizes.Select((size, n) => new PackagedGenerator(
            new GeneratorWeights(n, [Conv(8, 3), Conv(8, 8), Conv(8, 8), Conv(8, 8)], Conv(3, 8), n == 0 ? 1.0 : 0.1), size, 8)).ToList();
        var zOpt = new float[Sizes[0].Pixels];
        for (int i = 0; i < zOpt.Length; i++) zOpt[i] = (float)(random.NextDouble() * 2 - 1);
        var source = new PackageSource("tiny.png", new string('0', 64), "test", 0.85, new NoiseMap { Width = Sizes[0].Width, Height = Sizes[0].Height, Values = zOpt });
        PackageWriter.Write(folder, source, generators, privateKeyPem);
        return folder;
    }
}
