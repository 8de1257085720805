using SetGan.Trainer.SinGan;
using TorchSharp;
using static TorchSharp.torch;
using Generator = SetGan.Trainer.SinGan.Generator;

namespace SetGan.Trainer.Training;

/// <summary>
/// Keeps one scale's steps from writing NaN into the weights. In bf16, libtorch 2.10's AMX conv backward (oneDNN) now
/// and then returns non-finite weight gradients from finite inputs: measured about once in 600 generator steps at
/// 58x43, nfc 32, with NCHW and with channels-last tensors alike, and never with AMX switched off (which makes bf16
/// 3.6x slower than with it). Such a step is done again in float32, with fresh draws: like a GradScaler's skipped
/// step, except that no step is lost. A step that is still not finite in float32 means the run diverged, and that
/// is an error rather than a model.
/// </summary>
public sealed class MixedPrecisionGuard(Generator G, Discriminator D, int scale)
{
    /// <summary>bf16 steps done again in float32 so far.</summary>
    public int Redone { get; private set; }

    /// <summary>
    /// Runs <paramref name="step"/> (zero the gradients, forward, backward; returns the losses) and checks the losses
    /// and <paramref name="trained"/>'s gradients before the caller's optimiser step.
    /// </summary>
    public T Step<T>(Func<T> step, nn.Module trained, Func<T, bool> lossesFinite, int iteration, string network)
    {
        var losses = step();
        if (G.Net.Compute is not null && !(lossesFinite(losses) && GradientsFinite(trained)))
        {
            Redone++;
            var (computeG, computeD) = (G.Net.Compute, D.Net.Compute);
            G.Net.Compute = D.Net.Compute = null;
            try { losses = step(); }
            finally { (G.Net.Compute, D.Net.Compute) = (computeG, computeD); }
        }
        if (!lossesFinite(losses) || !GradientsFinite(trained))
            throw new TrainingDivergedException(
                $"training diverged at scale {scale}, iteration {iteration}: the {network}'s loss or gradients are NaN or infinite " +
                "in float32 too; the scales before it are saved, this one is not");
        return losses;
    }

    public static bool GradientsFinite(nn.Module module)
    {
        foreach (var p in module.parameters())
        {
            if (p.grad is not { } grad) continue;
            using var finite = isfinite(grad);
            using var all = finite.all();
            if (!all.item<bool>()) return false;
        }
        return true;
    }
}
