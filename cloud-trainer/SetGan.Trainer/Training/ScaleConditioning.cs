using SetGan.Core.Pyramid;
using SetGan.Trainer.SinGan;
using TorchSharp;
using static TorchSharp.torch;

namespace SetGan.Trainer.Training;

/// <summary>What scale n is fed from below while it trains: the one line where SinGAN and SETGAN differ.</summary>
public abstract class ScaleConditioning : IDisposable
{
    /// <summary>The inputs from below for <paramref name="count"/> critic steps, as a batch (SinGAN: a fresh random sample each).</summary>
    public abstract Tensor Random(torch.Generator? random, int count);

    /// <summary>The input from below for the reconstruction loss and noise_amp.</summary>
    public abstract Tensor Reconstruction();

    /// <summary>
    /// Called before every iteration: true when the input from below has just changed (<see cref="HandOver"/>),
    /// so the trainer must compute the reconstruction and noise_amp again.
    /// </summary>
    public virtual bool TryHandOver() => false;

    public virtual void Dispose() { }

    /// <summary>
    /// SinGAN: the frozen generators below, run with random noise or with z_opt, in <paramref name="compute"/> (the training's
    /// precision: in bf16 a draw through G_0..G_4 costs a third of its float32 time, and a critic step makes three).
    /// </summary>
    public sealed class OnGenerated(IReadOnlyList<TrainedScale> lower, IReadOnlyList<ScaleSize> sizes, ScaleSize size, Device device, ScalarType? compute = null)
        : ScaleConditioning
    {
        public override Tensor Random(torch.Generator? random, int count) =>
            PyramidSampler.DrawConcat(lower, sizes, NoiseMode.Random, size, device, random, compute, batch: count);
        public override Tensor Reconstruction() => PyramidSampler.DrawConcat(lower, sizes, NoiseMode.Reconstruction, size, device, compute: compute);

        /// <summary>Scale n's input from the trained <paramref name="lower"/> G_0..G_{n-1}; <paramref name="sizes"/> is the whole pyramid's.</summary>
        public static OnGenerated Below(int n, IReadOnlyList<TrainedScale> lower, IReadOnlyList<ScaleSize> sizes, Device device, ScalarType? compute) =>
            new(lower, sizes.Take(n).ToList(), sizes[n], device, compute);
    }

    /// <summary>
    /// SETGAN: the real image of scale n-1 upsampled to scale n, for both. No other scale's state is
    /// read, so every scale can train at the same time; noise_amp_n = 0.1 x RMSE(real_n, up(real_n-1)).
    /// </summary>
    public sealed class OnReal(Tensor realBelowUpsampled) : ScaleConditioning
    {
        public override Tensor Random(torch.Generator? random, int count) => realBelowUpsampled.expand(count, -1, -1, -1);
        public override Tensor Reconstruction() => realBelowUpsampled.alias();
        public override void Dispose() => realBelowUpsampled.Dispose();
    }

    /// <summary>
    /// SETGAN's start, SinGAN's finish (ours, beyond the paper): the real image from below while the scales below are
    /// still training, then, from the first iteration after G_0..G_{n-1} are finished, their generated samples.
    /// Training only on the real image teaches G_n to add detail to an image that is already right; SinGAN's G_n
    /// learns to make objects out of the blobs that random samples from below contain. On a lane that trains
    /// scales in order the scale below is done before G_n starts, so those scales train the SinGAN way throughout,
    /// at no cost in wall time; a scale on another lane is handed over part way.
    /// <paramref name="chainBelow"/> returns null until the chain below is final (trained and chain-tuned).
    /// </summary>
    public sealed class HandOver(Tensor realBelowUpsampled, Func<ScaleConditioning?> chainBelow) : ScaleConditioning
    {
        private ScaleConditioning current = new OnReal(realBelowUpsampled);
        private bool onChain;

        public override Tensor Random(torch.Generator? random, int count) => current.Random(random, count);
        public override Tensor Reconstruction() => current.Reconstruction();

        public override bool TryHandOver()
        {
            if (onChain || chainBelow() is not { } chain) return false;
            current.Dispose();
            current = chain;
            return onChain = true;
        }

        public override void Dispose() => current.Dispose();
    }

    /// <summary>Scale 0 has nothing below it: zeros.</summary>
    public sealed class Coarsest(ScaleSize size, Device device) : ScaleConditioning
    {
        public override Tensor Random(torch.Generator? random, int count) => zeros(count, 3, size.Height, size.Width, device: device);
        public override Tensor Reconstruction() => zeros(1, 3, size.Height, size.Width, device: device);
    }
}
