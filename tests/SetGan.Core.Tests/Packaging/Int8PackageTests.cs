using System.Text;
using System.Text.Json.Nodes;
using Onnx;
using SetGan.Core.Onnx;
using SetGan.Core.Packaging;
using SetGan.Core.Pyramid;

namespace SetGan.Core.Tests.Packaging;

/// <summary>
/// `setgan export --precision int8`: the same pyramid (same random weights and seed as a float32 package) with its
/// body convs in calibrated QDQ form. It loads through the same verification, runs at every k and any size, stays
/// close to the float32 images and is deterministic; a float32 manifest stays readable by agents that predate int8.
/// </summary>
public sealed class Int8PackageTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("setgan-int8-").FullName;
    private readonly string privateKey, publicKey, float32, int8;

    public Int8PackageTests()
    {
        (float32, privateKey, publicKey) = TestPackages.WriteSigned(dir);
        int8 = TestPackages.Write(Path.Combine(dir, "int8"), privateKey, precision: ModelPrecision.Int8);
    }

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static JsonObject Manifest(string package) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(package, PackageWriter.ManifestFile)))!.AsObject();

    [Fact]
    public void The_manifest_says_int8_and_a_float32_manifest_says_nothing()
    {
        Manifest(int8)["precision"]!.GetValue<string>().ShouldBe("int8");
        Manifest(float32).Select(p => p.Key).ShouldNotContain(key => key.Contains("precision"), "agents built before int8 refuse unknown manifest fields");
        Manifest(int8).Select(p => p.Key).Count(key => key.Contains("precision")).ShouldBe(1);
        using var pyramid = PyramidPackage.Load(int8, publicKey);
        pyramid.Manifest.ModelPrecision.ShouldBe(ModelPrecision.Int8);
    }

    [Fact]
    public void Body_convs_hold_int8_weights_and_the_head_and_tail_stay_float()
    {
        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(int8, PackageWriter.GeneratorFile(2))));
        var int8Weights = model.Graph.Initializer.Where(t => t.DataType == (int)TensorProto.Types.DataType.Int8 && t.Dims.Count == 4).Select(t => t.Name).ToList();
        int8Weights.ShouldBe(["block1_w_int8", "block2_w_int8", "block3_w_int8"], ignoreOrder: true);
        model.Graph.Initializer.Select(t => t.Name).ShouldContain("block0_w");
        model.Graph.Initializer.Select(t => t.Name).ShouldContain("tail_taps_w");
        model.Graph.Node.Count(n => n.OpType == "QuantizeLinear").ShouldBe(6); // each body conv's input and output
    }

    [Fact]
    public void Int8_images_stay_close_to_float32_at_every_k_and_another_size()
    {
        using var reference = PyramidPackage.Load(float32, publicKey);
        using var quantized = PyramidPackage.Load(int8, publicKey);
        for (int k = 0; k <= reference.FinestScale; k++)
            foreach (ScaleSize? size in new ScaleSize?[] { null, new ScaleSize(61, 29) })
            {
                var a = reference.Generate(k, size, seed: 5).Pixels;
                var b = quantized.Generate(k, size, seed: 5).Pixels;
                b.Length.ShouldBe(a.Length);
                double meanAbs = a.Zip(b).Average(p => Math.Abs(p.First - p.Second));
                meanAbs.ShouldBeLessThan(0.02, $"k = {k}, size {size}: mean |float32 - int8| in [0, 1] pixels"); // 5 of 255 levels
            }
        var rec = reference.Reconstruct(reference.FinestScale).Pixels.Zip(quantized.Reconstruct(quantized.FinestScale).Pixels).Average(p => Math.Abs(p.First - p.Second));
        rec.ShouldBeLessThan(0.02f);
    }

    [Fact]
    public void Int8_samples_are_deterministic_with_a_seed()
    {
        using var pyramid = PyramidPackage.Load(int8, publicKey);
        pyramid.Generate(pyramid.FinestScale, seed: 9).Pixels.ShouldBe(pyramid.Generate(pyramid.FinestScale, seed: 9).Pixels);
    }

    [Fact]
    public void Int8_files_are_smaller_at_a_real_width()
    {
        // At nfc 32 (SinGAN's coarse scales) the body weights dominate; at the tests' nfc 8 the QDQ scales would.
        long Bytes(ModelPrecision precision) => Directory.GetFiles(
            TestPackages.Write(Path.Combine(dir, $"wide-{precision}"), privateKey, nfcOf: _ => 32, precision: precision), "*.onnx").Sum(f => new FileInfo(f).Length);
        Bytes(ModelPrecision.Int8).ShouldBeLessThan(Bytes(ModelPrecision.Float32) / 2);
    }

    [Fact]
    public void An_unknown_precision_is_refused_even_when_signed()
    {
        var json = Manifest(int8);
        json["precision"] = "float16";
        PackageWriter.WriteSigned(int8, Encoding.UTF8.GetBytes(json.ToJsonString()), privateKey);
        Should.Throw<PackageException>(() => PyramidPackage.Load(int8, publicKey)).Message.ShouldContain("unknown precision 'float16'");
    }

    [Fact]
    public void Quantizing_without_a_calibrated_range_names_the_tensor()
    {
        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(float32, PackageWriter.GeneratorFile(1))));
        Should.Throw<ArgumentException>(() => Int8Quantization.Quantize(model, new Dictionary<string, ActivationRange>()))
            .Message.ShouldContain("no calibrated range for 'block0_act'");
    }
}
