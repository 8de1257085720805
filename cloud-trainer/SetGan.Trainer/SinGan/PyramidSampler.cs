using SetGan.Core.Pyramid;
using TorchSharp;
using static TorchSharp.torch;

namespace SetGan.Trainer.SinGan;

/// <summary>How a pass through the pyramid draws its noise (SinGAN's draw_concat modes).</summary>
public enum NoiseMode
{
    /// <summary>'rand': fresh Gaussian noise at every scale (random samples).</summary>
    Random,

    /// <summary>'rec': z_opt at scale 0 and zero noise above (the reconstruction of the real image).</summary>
    Reconstruction,
}

/// <summary>
/// Runs frozen generators coarse to fine (SinGAN's draw_concat and SinGAN_generate). The trainer
/// uses it for the input of the scale being trained, and <c>setgan sample</c> for samples, so both
/// go through one piece of code.
/// </summary>
public static class PyramidSampler
{
    public const int Pad = SinGan.SinGanBody.Padding;

    private static readonly Scalar One = 1.0.ToScalar();

    /// <summary>
    /// The output of G_k for scales 0..k at the given sizes (size k is the output size).
    /// <paramref name="noise"/> replaces the random draw (for parity tests with fixed noise). <paramref name="compute"/> is what the
    /// generators compute in (null: float32, the exported function; a training draws in its own precision). <paramref name="batch"/>
    /// random samples are drawn as one batch: the frozen generators' BatchNorm uses running statistics, so each sample is what a
    /// draw of its own would give, for one pass of per-op overhead.
    /// </summary>
    public static Tensor Run(IReadOnlyList<TrainedScale> scales, IReadOnlyList<ScaleSize> sizes, NoiseMode mode, Device device,
        Func<int, ScaleSize, Tensor>? noise = null, torch.Generator? random = null, ScalarType? compute = null, int batch = 1)
    {
        if (scales.Count == 0) throw new ArgumentException("no trained scales to run", nameof(scales));
        if (sizes.Count != scales.Count) throw new ArgumentException($"{scales.Count} scales but {sizes.Count} sizes", nameof(sizes));
        if (batch < 1 || (batch > 1 && (mode != NoiseMode.Random || noise is not null)))
            throw new ArgumentException($"a batch of {batch} is for random draws only", nameof(batch));
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        Tensor previous = zeros(batch, 3, sizes[0].Height, sizes[0].Width, device: device);
        for (int n = 0; n < scales.Count; n++)
        {
            if (n > 0) previous = Upsample(previous, sizes[n]);
            var z = mode == NoiseMode.Reconstruction ? ReconstructionNoise(scales[n], sizes[n])
                : noise is not null ? noise(n, sizes[n])
                : Noise(n, sizes[n], device, random, batch);
            // Scalars held in variables: TorchSharp 0.107 leaves the ones it converts implicitly to the
            // finalizer, which can free one while libtorch still reads it (a benchmark run died in this
            // add_ with "Expected false to be true" from Scalar::toFloat; dotnet/TorchSharp#1434).
            using var amp = scales[n].NoiseAmp.ToScalar();
            previous = scales[n].G.Forward(PadInput(z.mul(amp).add_(previous, One)), PadInput(previous), compute);
        }
        return previous.MoveToOuterDisposeScope();
    }

    /// <summary>draw_concat: the pyramid's output below scale n, upsampled to scale n's size.</summary>
    public static Tensor DrawConcat(IReadOnlyList<TrainedScale> lower, IReadOnlyList<ScaleSize> sizes, NoiseMode mode, ScaleSize target, Device device,
        torch.Generator? random = null, ScalarType? compute = null, int batch = 1)
    {
        using var coarse = Run(lower, sizes, mode, device, random: random, compute: compute, batch: batch);
        return Upsample(coarse, target);
    }

    /// <summary>
    /// Gaussian noise z_n. At scale 0 SinGAN draws one channel and repeats it over RGB, so the
    /// coarsest scale varies structure rather than colour. <paramref name="random"/> gives a scale
    /// its own stream, so scales training side by side draw the same numbers in any order.
    /// </summary>
    public static Tensor Noise(int scale, ScaleSize size, Device device, torch.Generator? random = null, int batch = 1) =>
        scale == 0
            ? randn(new long[] { batch, 1, size.Height, size.Width }, device: device, generator: random).expand(batch, 3, size.Height, size.Width)
            : randn(new long[] { batch, 3, size.Height, size.Width }, device: device, generator: random);

    public static Tensor PadInput(Tensor x) => nn.functional.pad(x, new long[] { Pad, Pad, Pad, Pad });

    /// <summary>Bicubic (a = -0.75, half-pixel centres: the exported graphs compute the same, SetGan.Core.Onnx.BicubicUpsample).</summary>
    public static Tensor Upsample(Tensor x, ScaleSize size) =>
        nn.functional.interpolate(x, new long[] { size.Height, size.Width }, mode: InterpolationMode.Bicubic, align_corners: false);

    private static Tensor ReconstructionNoise(TrainedScale scale, ScaleSize size)
    {
        if (size != scale.Size)
            throw new ArgumentException($"reconstruction is defined at the trained size {scale.Size} only, not {size}");
        return scale.ZOpt;
    }
}
