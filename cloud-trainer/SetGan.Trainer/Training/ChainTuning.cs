using SetGan.Trainer.Checkpoints;
using SetGan.Trainer.SinGan;
using static TorchSharp.torch;

namespace SetGan.Trainer.Training;

/// <summary>
/// Parallel modes (ours, beyond the paper): after G_n has trained on the upsampled <em>real</em>
/// image below, a few Adam steps on the reconstruction loss alone teach it the input it gets at
/// inference, the <em>generated</em> reconstruction of G_0..G_{n-1}.
/// </summary>
/// <remarks>
/// Without it the reconstruction does not improve with k: each G_n learned to add detail to a
/// perfect image from below, so scale 0's error passes up untouched and every scale adds a little
/// of its own (balloons, quick preset: SSIM 0.576 at k = 0, 0.575 at k = 5; SinGAN reaches 0.77).
/// With 100 steps it reached 0.906 (docs/benchmarks.md). The steps run in eval mode, BatchNorm on
/// its running statistics, so they tune the function that is exported. An adversarial
/// term against the scale's final critic was tried and is left out: with the critic frozen, the
/// generator learns to fool it and the samples fall apart (SWD 0.056 -> 0.32).
/// </remarks>
public static class ChainTuning
{
    /// <summary>Tunes G_n (which must be <paramref name="below"/>.Count) in place and freezes it again.</summary>
    public static ChainTuneRecord Tune(TrainedScale scale, IReadOnlyList<TrainedScale> below, Tensor real, TrainingSettings settings, Device device)
    {
        if (scale.Scale == 0 || below.Count != scale.Scale)
            throw new ArgumentException($"scale {scale.Scale} is tuned on the {scale.Scale} scales below it, not on {below.Count}");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var G = scale.G;
        // The input from below and the losses before and after are float32, the exported function itself.
        G.Net.Compute = null;
        // z_opt is zero above scale 0, so the reconstruction input is the reconstruction from below.
        using var fromBelow = PyramidSampler.DrawConcat(below, below.Select(s => s.Size).ToList(), NoiseMode.Reconstruction, scale.Size, device);
        using var input = PyramidSampler.PadInput(fromBelow);

        double Loss()
        {
            using var _ = no_grad();
            using var loss = nn.functional.mse_loss(G.forward(input, input), real);
            return loss.item<float>() * settings.Alpha;
        }

        double before = Loss();
        foreach (var p in G.parameters()) p.requires_grad = true;
        // The steps compute in the training's precision, as the training did (weights, gradients and Adam stay float32);
        // a bf16 step with a non-finite loss or gradients is done again in float32 (blocker 3).
        G.Net.Compute = settings.Compute.LayerType();
        var guard = new MixedPrecisionGuard(scale.Scale, G.Net);
        int step = 0;
        try
        {
            // SinGAN's learning rate after its step: these are small corrections to a trained network.
            using var optimizer = optim.Adam(G.parameters(), settings.LearningRateG * settings.Gamma, settings.Beta1, 0.999);
            for (step = 1; step <= settings.ChainTuneSteps; step++)
            {
                using var scope = NewDisposeScope();
                guard.Step(() =>
                {
                    optimizer.zero_grad();
                    var loss = nn.functional.mse_loss(G.forward(input, input), real) * settings.Alpha;
                    loss.backward();
                    return (double)loss.item<float>();
                }, G, double.IsFinite, step, "generator");
                optimizer.step();
            }
        }
        catch (TrainingDivergedException e)
        {
            throw Diverged(scale.Scale, $"at step {step}: its loss or gradients are NaN or infinite in float32 too", before, e);
        }
        finally
        {
            G.Net.Compute = null;
        }
        TrainedPyramid.Freeze(G);
        double after = Loss();
        if (!double.IsFinite(after))
            throw Diverged(scale.Scale, $"its reconstruction loss is {after} after {settings.ChainTuneSteps} steps", before);
        return new ChainTuneRecord(settings.ChainTuneSteps, before, after, clock.Elapsed.TotalSeconds, guard.Redone);
    }

    private static TrainingDivergedException Diverged(int scale, string what, double before, Exception? inner = null) =>
        new($"chain tuning of scale {scale} diverged {what} (its loss was {before:F4} before); the scale stays saved as trained, untuned", inner);
}
