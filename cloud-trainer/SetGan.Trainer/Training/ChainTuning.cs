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
/// its running statistics, so they tune exactly the function that is exported. An adversarial
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
        // In float32 whatever the training's --compute: these steps tune the exported function itself.
        foreach (var s in below.Append(scale)) s.G.Net.Compute = null;
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
        // SinGAN's learning rate after its step: these are small corrections to a trained network.
        using (var optimizer = optim.Adam(G.parameters(), settings.LearningRateG * settings.Gamma, settings.Beta1, 0.999))
        {
            for (int step = 0; step < settings.ChainTuneSteps; step++)
            {
                using var scope = NewDisposeScope();
                optimizer.zero_grad();
                (nn.functional.mse_loss(G.forward(input, input), real) * settings.Alpha).backward();
                optimizer.step();
            }
        }
        TrainedPyramid.Freeze(G);
        double after = Loss();
        if (!double.IsFinite(after))
            throw new TrainingDivergedException(
                $"chain tuning of scale {scale.Scale} diverged: its reconstruction loss is {after} after {settings.ChainTuneSteps} steps " +
                $"(it was {before:F4}); the scale stays saved as trained, untuned");
        return new ChainTuneRecord(settings.ChainTuneSteps, before, after, clock.Elapsed.TotalSeconds);
    }
}
