using SetGan.Core.Onnx;
using SetGan.Core.Pyramid;
using SetGan.Trainer.Checkpoints;
using SetGan.Trainer.SinGan;
using SetGan.Trainer.Training;
using static TorchSharp.torch;

namespace SetGan.Trainer.Tests.Export;

/// <summary>
/// The ONNX form of every generator (BatchNorm folded, tail sliced to 3 channels, bicubic upsampling
/// in the graph) computes what the TorchSharp eval forward computes, at the trained size and another.
/// </summary>
public sealed class OnnxParityTests : IClassFixture<OnnxParityTests.TrainedTiny>
{
    private const float Tolerance = 1e-4f;
    private readonly TrainedTiny trained;

    public OnnxParityTests(TrainedTiny trained) => this.trained = trained;

    /// <summary>A four-scale pyramid trained for a few iterations, so BatchNorm has running statistics.</summary>
    public sealed class TrainedTiny : IDisposable
    {
        private readonly string root = Directory.CreateTempSubdirectory("setgan-onnx-").FullName;

        public TrainedTiny()
        {
            var settings = TrainingSettings.Quick with { Iterations = 4, MaxSize = 48 };
            var trainer = new PyramidTrainer(settings, Serilog.Core.Logger.None);
            var image = TestImages.TinyBalloons();
            var dir = ModelDirectory.BeginTraining(Path.Combine(root, "model"), trainer.Describe("tiny.png", TestImages.TinyBalloonsPng(), trainer.Geometry(image)), force: false);
            trainer.Train(image, dir, null, CancellationToken.None);
            Pyramid = TrainedPyramid.Load(dir.Complete(), CPU);
        }

        public TrainedPyramid Pyramid { get; }

        public void Dispose()
        {
            Pyramid.Dispose();
            Directory.Delete(root, recursive: true);
        }
    }

    private static float[] Values(Tensor t) => t.contiguous().data<float>().ToArray();

    private static float MaxAbsDifference(float[] a, float[] b)
    {
        a.Length.ShouldBe(b.Length);
        float max = 0;
        for (int i = 0; i < a.Length; i++) max = Math.Max(max, Math.Abs(a[i] - b[i]));
        return max;
    }

    public static TheoryData<int, bool> ScalesAndSizes() => new() { { 0, false }, { 0, true }, { 1, false }, { 2, true }, { 3, false }, { 3, true } };

    [Theory]
    [MemberData(nameof(ScalesAndSizes))]
    public void Each_generator_matches_the_TorchSharp_eval_forward(int n, bool otherSize)
    {
        manual_seed(11 + n);
        var scale = trained.Pyramid.Scales[n];
        var size = otherSize ? new ScaleSize(scale.Size.Width + 13, scale.Size.Height + 5) : scale.Size;
        var coarseSize = n == 0 ? default : (otherSize ? new ScaleSize(trained.Pyramid.Sizes[n - 1].Width + 9, trained.Pyramid.Sizes[n - 1].Height + 4) : trained.Pyramid.Sizes[n - 1]);
        using var z = PyramidSampler.Noise(n, size, CPU).contiguous();
        using var coarse = n == 0 ? zeros(1, 3, 1, 1) : rand(1, 3, coarseSize.Height, coarseSize.Width) * 2 - 1;

        float[] expected;
        using (no_grad())
        {
            using var prev = n == 0 ? zeros(1, 3, size.Height, size.Width) : PyramidSampler.Upsample(coarse, size);
            using var output = scale.G.forward(PyramidSampler.PadInput(z * scale.NoiseAmp + prev), PyramidSampler.PadInput(prev));
            expected = Values(output);
        }
        using var onnx = new OnnxGenerator(GeneratorOnnx.ToBytes(GeneratorOnnx.Build(GeneratorExport.Weights(scale))), n);
        float[] actual = onnx.Run(Values(z), size, n == 0 ? null : Values(coarse), coarseSize);

        MaxAbsDifference(actual, expected).ShouldBeLessThan(Tolerance);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_whole_pyramid_with_fixed_noise_matches(bool otherSize)
    {
        var pyramid = trained.Pyramid;
        int k = pyramid.Scales.Count - 1;
        var sizes = otherSize ? SampleSizes.ForOutput(pyramid.Sizes, new ScaleSize(70, 30), k) : pyramid.Sizes;
        manual_seed(5);
        var noise = Enumerable.Range(0, k + 1).Select(n => PyramidSampler.Noise(n, sizes[n], CPU).contiguous()).ToList();

        using var expected = PyramidSampler.Run(pyramid.Scales, sizes, NoiseMode.Random, CPU, (n, _) => noise[n]);

        float[]? previous = null;
        for (int n = 0; n <= k; n++)
        {
            using var onnx = new OnnxGenerator(GeneratorOnnx.ToBytes(GeneratorOnnx.Build(GeneratorExport.Weights(pyramid.Scales[n]))), n);
            previous = onnx.Run(Values(noise[n]), sizes[n], previous, n == 0 ? default : sizes[n - 1]);
        }
        MaxAbsDifference(previous!, Values(expected)).ShouldBeLessThan(Tolerance);
        foreach (var z in noise) z.Dispose();
    }
}
