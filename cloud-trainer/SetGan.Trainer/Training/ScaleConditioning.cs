using SetGan.Core.Pyramid;
using SetGan.Trainer.SinGan;
using TorchSharp;
using static TorchSharp.torch;

namespace SetGan.Trainer.Training;

/// <summary>What scale n is fed from below while it trains: the one line where SinGAN and SETGAN differ.</summary>
public abstract class ScaleConditioning : IDisposable
{
    /// <summary>The input from below for a critic step (SinGAN: a fresh random sample).</summary>
    public abstract Tensor Random(torch.Generator? random);

    /// <summary>The input from below for the reconstruction loss and noise_amp.</summary>
    public abstract Tensor Reconstruction();

    public virtual void Dispose() { }

    /// <summary>SinGAN: the frozen generators below, run with random noise or with z_opt.</summary>
    public sealed class OnGenerated(IReadOnlyList<TrainedScale> lower, IReadOnlyList<ScaleSize> sizes, ScaleSize size, Device device) : ScaleConditioning
    {
        public override Tensor Random(torch.Generator? random) => PyramidSampler.DrawConcat(lower, sizes, NoiseMode.Random, size, device, random);
        public override Tensor Reconstruction() => PyramidSampler.DrawConcat(lower, sizes, NoiseMode.Reconstruction, size, device);
    }

    /// <summary>
    /// SETGAN: the real image of scale n-1 upsampled to scale n, for both. No other scale's state is
    /// read, so every scale can train at the same time; noise_amp_n = 0.1 x RMSE(real_n, up(real_n-1)).
    /// </summary>
    public sealed class OnReal(Tensor realBelowUpsampled) : ScaleConditioning
    {
        public override Tensor Random(torch.Generator? random) => realBelowUpsampled.alias();
        public override Tensor Reconstruction() => realBelowUpsampled.alias();
        public override void Dispose() => realBelowUpsampled.Dispose();
    }

    /// <summary>Scale 0 has nothing below it: zeros.</summary>
    public sealed class Coarsest(ScaleSize size, Device device) : ScaleConditioning
    {
        public override Tensor Random(torch.Generator? random) => zeros(1, 3, size.Height, size.Width, device: device);
        public override Tensor Reconstruction() => zeros(1, 3, size.Height, size.Width, device: device);
    }
}
