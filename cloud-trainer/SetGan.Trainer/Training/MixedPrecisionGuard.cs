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
/// <param name="networks">Every network the step runs: all of them switch to float32 for a redone step.</param>
public sealed class MixedPrecisionGuard(int scale, params SinGanBody[] networks)
{
    /// <summary>A training step's guard: it runs G and D.</summary>
    public MixedPrecisionGuard(Generator G, Discriminator D, int scale) : this(scale, G.Net, D.Net) { }

    /// <summary>bf16 steps done again in float32 so far.</summary>
    public int Redone { get; private set; }

    /// <summary>
    /// Runs <paramref name="step"/> (zero the gradients, forward, backward; returns the losses) and checks the losses
    /// and <paramref name="trained"/>'s gradients before the caller's optimiser step.
    /// </summary>
    public T Step<T>(Func<T> step, nn.Module trained, Func<T, bool> lossesFinite, int iteration, string network)
    {
        var losses = step();
        if (networks.Any(n => n.Compute is not null) && !(lossesFinite(losses) && GradientsFinite(trained)))
        {
            Redone++;
            var computes = networks.Select(n => n.Compute).ToArray();
            foreach (var n in networks) n.Compute = null;
            try { losses = step(); }
            finally { for (int i = 0; i < networks.Length; i++) networks[i].Compute = computes[i]; }
        }
        if (!lossesFinite(losses) || !GradientsFinite(trained))
            throw new TrainingDivergedException(
                $"training diverged at scale {scale}, iteration {iteration}: the {network}'s loss or gradients are NaN or infinite " +
                "in float32 too; the scales before it are saved, this one is not");
        return losses;
    }

    /// <summary>The one warning a scale gets when <paramref name="redone"/> of its bf16 <paramref name="steps"/> were done again in float32.</summary>
    public static void WarnIfRedone(Serilog.ILogger log, int scale, int redone, string steps)
    {
        if (redone > 0)
            log.Warning("Scale {Scale}: {Redone} bf16 {Steps:l} had a non-finite loss or gradients and were done again in float32 (docs/native-blockers.md, blocker 3)",
                scale, redone, steps);
    }

    /// <summary>
    /// One check over all gradients: a NaN or an infinity in any of them makes the sum of their sums non-finite. (Finite
    /// gradients whose sums overflow float32 would read as non-finite too, and a step that large is not one to keep.)
    /// One native reduction per parameter and one read, where an isfinite/all/read per parameter made three native calls
    /// and a read each, 6 steps an iteration.
    /// </summary>
    public static bool GradientsFinite(nn.Module module)
    {
        using var scope = NewDisposeScope();
        var sums = module.parameters().Select(p => p.grad).OfType<Tensor>().Select(g => g.sum(type: ScalarType.Float32)).ToArray();
        return sums.Length == 0 || double.IsFinite(stack(sums).sum().item<float>());
    }
}
