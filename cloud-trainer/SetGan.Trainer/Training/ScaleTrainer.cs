using SetGan.Core.Pyramid;
using SetGan.Trainer.SinGan;
using TorchSharp;
using static TorchSharp.torch;
using Generator = SetGan.Trainer.SinGan.Generator;

namespace SetGan.Trainer.Training;

/// <summary>
/// What one scale's training needs: the real image at that scale, what it is fed from below, and
/// (in parallel modes) its own random stream so that scales training side by side stay reproducible.
/// </summary>
public sealed record ScaleJob(int Scale, Tensor Real, ScaleConditioning Below, ScaleSize Size, TrainingSettings Settings, Device Device,
    torch.Generator? Random = null)
{
    /// <summary>Threads this scale should use now (parallel lanes gain cores as others finish); null leaves them.</summary>
    public Func<int>? ThreadsWanted { get; init; }

    /// <summary>Called after every iteration, so the lane scheduler knows how much work is left.</summary>
    public Action? Worked { get; init; }

    /// <summary>SinGAN's job for scale n: fed by the frozen generators below.</summary>
    public static ScaleJob Sequential(int n, Tensor real, IReadOnlyList<TrainedScale> lower, IReadOnlyList<ScaleSize> sizes, TrainingSettings settings, Device device,
        torch.Generator? random = null) =>
        new(n, real, n == 0 ? new ScaleConditioning.Coarsest(sizes[0], device) : ScaleConditioning.OnGenerated.Below(n, lower, sizes, device, settings.Compute.LayerType()),
            sizes[n], settings, device, random);

    /// <summary>
    /// SETGAN's job for scale n: fed the real image of scale n-1, upsampled; its own random stream. With <paramref name="chainBelow"/>,
    /// handed over to the generated chain once that returns one (<see cref="ScaleConditioning.HandOver"/>).
    /// </summary>
    public static ScaleJob Parallel(int n, Tensor real, Tensor? realBelow, IReadOnlyList<ScaleSize> sizes, TrainingSettings settings, Device device, torch.Generator? random,
        Func<ScaleConditioning?>? chainBelow = null)
    {
        ScaleConditioning below = n == 0 ? new ScaleConditioning.Coarsest(sizes[0], device)
            : chainBelow is null ? new ScaleConditioning.OnReal(PyramidSampler.Upsample(realBelow!, sizes[n]))
            : new ScaleConditioning.HandOver(PyramidSampler.Upsample(realBelow!, sizes[n]), chainBelow);
        return new(n, real, below, sizes[n], settings, device, random);
    }
}

/// <summary>
/// The outcome of one scale: noise_amp, z_opt, the last losses, why it stopped early (if it did), how many bf16 steps
/// were done again in float32 (<see cref="MixedPrecisionGuard"/>), and after how many iterations on the real image below
/// it was handed over to the generated chain (<see cref="ScaleConditioning.HandOver"/>), if it was.
/// </summary>
public sealed record ScaleOutcome(double NoiseAmp, Tensor ZOpt, IterationReport Last, string? EarlyStop = null, int RedoneInFloat32 = 0, int? HandedOverAt = null);

/// <summary>
/// SinGAN's train_single_scale: WGAN-GP with alpha-weighted reconstruction, Dsteps critic steps
/// then Gsteps generator steps per iteration, Adam(betas 0.5, 0.999) with one lr step.
/// </summary>
public static class ScaleTrainer
{
    public static ScaleOutcome Train(ScaleJob job, Generator G, Discriminator D, Action<IterationReport>? onIteration, CancellationToken cancel)
    {
        var s = job.Settings;
        var size = job.Size;
        var real = job.Real;
        var clock = System.Diagnostics.Stopwatch.StartNew();

        // z_opt: a fixed noise map at scale 0 (paper: z*), zeros above. SinGAN's code redraws it every
        // epoch at scale 0; we keep the paper's fixed map so that reconstruction is well defined.
        var zOpt = job.Scale == 0
            ? PyramidSampler.Noise(0, size, job.Device, job.Random).contiguous()
            : zeros(1, 3, size.Height, size.Width, device: job.Device);

        using var below = new ReconstructionFromBelow(job, zOpt);

        using var optimizerD = optim.Adam(D.parameters(), s.LearningRateD, s.Beta1, 0.999);
        using var optimizerG = optim.Adam(G.parameters(), s.LearningRateG, s.Beta1, 0.999);
        var schedulerD = optim.lr_scheduler.MultiStepLR(optimizerD, new[] { s.LrMilestone }, s.Gamma);
        var schedulerG = optim.lr_scheduler.MultiStepLR(optimizerG, new[] { s.LrMilestone }, s.Gamma);
        G.train();
        D.train();

        IterationReport? last = null;
        var guard = new MixedPrecisionGuard(G, D, job.Scale);
        var earlyStop = s.EarlyStop is { } es ? new EarlyStop(es, s.Iterations) : null;
        int threads = 0;
        int? handedOverAt = null;
        bool lrBroughtForward = false;
        void ScheduleLearningRate(double factor, int milestoneIn)
        {
            foreach (var optimizer in new[] { optimizerD, optimizerG })
                foreach (var group in optimizer.ParamGroups) group.LearningRate *= factor;
            schedulerD = optim.lr_scheduler.MultiStepLR(optimizerD, [milestoneIn], s.Gamma);
            schedulerG = optim.lr_scheduler.MultiStepLR(optimizerG, [milestoneIn], s.Gamma);
        }
        for (int epoch = 0; epoch < s.Iterations; epoch++)
        {
            cancel.ThrowIfCancellationRequested();
            if (job.Below.TryHandOver())
            {
                below.Compute();
                handedOverAt = epoch;
                // A plateau on the real image says nothing about the chain: a fresh watch, and SinGAN's schedule back.
                if (earlyStop is not null) earlyStop = new EarlyStop(s.EarlyStop!, s.Iterations, startsAt: epoch);
                if (lrBroughtForward) ScheduleLearningRate(1 / s.Gamma, milestoneIn: s.LrMilestone - epoch);
                lrBroughtForward = false;
            }
            double noiseAmp = below.NoiseAmp;
            var zPrevPadded = below.ZPrevPadded;
            var recInput = below.RecInput;
            if (job.ThreadsWanted?.Invoke() is { } wanted && wanted != threads) set_num_threads(threads = wanted);
            using var scope = NewDisposeScope();
            var noise_ = PyramidSampler.Noise(job.Scale, size, job.Device, job.Random);
            Tensor noise = null!, prevPadded = null!;
            double errD = 0, errG = 0, rec = 0;
            // SinGAN draws a new random image from the scales below for every critic step (here all of them in one batch).
            // SETGAN feeds the real image from below instead (ScaleConditioning.OnReal).
            var prevs = job.Below.Random(job.Random, s.DSteps);

            for (int j = 0; j < s.DSteps; j++)
            {
                var prev = prevs.narrow(0, j, 1);
                prevPadded = PyramidSampler.PadInput(prev);
                noise = PyramidSampler.PadInput(job.Scale == 0 ? noise_ : noise_ * noiseAmp + prev);

                errD = guard.Step(() =>
                {
                    optimizerD.zero_grad();
                    var errDReal = -D.forward(real).mean();
                    Tensor fake;
                    using (no_grad()) fake = G.forward(noise, prevPadded); // the critic step never needs G's graph
                    var errDFake = D.forward(fake).mean();
                    var penalty = GradientPenalty(D, real, fake, s.LambdaGrad, job.Random);
                    var lossD = errDReal + errDFake + penalty;
                    lossD.backward();
                    return (double)lossD.item<float>();
                }, D, double.IsFinite, epoch + 1, "critic");
                optimizerD.step();
            }

            // G steps: the critic's weights get no gradient (saves their backward; the losses are unchanged).
            SetRequiresGrad(D, false);
            for (int j = 0; j < s.GSteps; j++)
            {
                (errG, rec) = guard.Step(() =>
                {
                    optimizerG.zero_grad();
                    // SinGAN reused the last critic step's fake here; newer PyTorch rejects that after the
                    // optimiser step, so, as in the usual fix, the fake is generated again with current weights.
                    var fake = G.forward(noise, prevPadded);
                    var errGAdv = -D.forward(fake).mean();
                    var recLoss = nn.functional.mse_loss(G.forward(recInput, zPrevPadded), real) * s.Alpha;
                    (errGAdv + recLoss).backward();
                    return ((double)errGAdv.item<float>(), (double)recLoss.item<float>());
                }, G, l => double.IsFinite(l.Item1) && double.IsFinite(l.Item2), epoch + 1, "generator");
                optimizerG.step();
            }
            SetRequiresGrad(D, true);

            schedulerD.step();
            schedulerG.step();
            last = new IterationReport(job.Scale, epoch + 1, s.Iterations, errD, errG, rec, clock.Elapsed);
            onIteration?.Invoke(last);
            job.Worked?.Invoke();
            var action = earlyStop?.Observe(epoch + 1, rec) ?? EarlyStopAction.Continue;
            if (action == EarlyStopAction.Stop) break;
            if (action == EarlyStopAction.StepLearningRate && epoch + 1 < s.LrMilestone)
            {
                // The plateau brings SinGAN's lr step forward; the milestone then does nothing more.
                ScheduleLearningRate(s.Gamma, milestoneIn: int.MaxValue);
                lrBroughtForward = true;
            }
        }

        G.eval();
        D.eval();
        return new ScaleOutcome(below.NoiseAmp, zOpt, last ?? new IterationReport(job.Scale, 0, s.Iterations, double.NaN, double.NaN, double.NaN, clock.Elapsed),
            earlyStop?.StopReason, guard.Redone, handedOverAt);
    }

    /// <summary>
    /// z_prev (the reconstruction from below) and noise_amp_n = noise_amp_init * RMSE(real_n, z_prev), with the padded inputs
    /// the steps use; computed again when the input from below is handed over (<see cref="ScaleConditioning.HandOver"/>).
    /// </summary>
    private sealed class ReconstructionFromBelow : IDisposable
    {
        private readonly ScaleJob job;
        private readonly Tensor zOpt;

        public ReconstructionFromBelow(ScaleJob job, Tensor zOpt)
        {
            (this.job, this.zOpt) = (job, zOpt);
            Compute();
        }

        public double NoiseAmp { get; private set; }
        public Tensor ZPrevPadded { get; private set; } = null!;
        public Tensor RecInput { get; private set; } = null!;

        /// <summary>From what the conditioning gives now; the previous tensors are freed.</summary>
        public void Compute()
        {
            Dispose();
            using var zPrev = job.Below.Reconstruction();
            NoiseAmp = job.Scale == 0 ? 1.0 : ScaleTrainer.NoiseAmp(job.Real, zPrev, job.Settings.NoiseAmpInit);
            using var amplified = zOpt * NoiseAmp;
            using var recFrom = amplified + zPrev;
            ZPrevPadded = PyramidSampler.PadInput(zPrev);
            RecInput = PyramidSampler.PadInput(recFrom);
        }

        public void Dispose()
        {
            ZPrevPadded?.Dispose();
            RecInput?.Dispose();
        }
    }

    /// <summary>noise_amp_n = noise_amp_init * sqrt(MSE(real_n, upsampled reconstruction from below)).</summary>
    public static double NoiseAmp(Tensor real, Tensor reconstruction, double noiseAmpInit)
    {
        using var mse = nn.functional.mse_loss(real, reconstruction);
        return noiseAmpInit * Math.Sqrt(mse.item<float>());
    }

    /// <summary>WGAN-GP (Gulrajani et al.) as SinGAN computes it: the gradient norm over channels, per pixel.</summary>
    public static Tensor GradientPenalty(Discriminator D, Tensor real, Tensor fake, double lambda, torch.Generator? random = null)
    {
        var alpha = rand(new long[] { 1, 1 }, device: real.device, generator: random).expand(real.shape);
        var interpolates = (alpha * real + (1 - alpha) * fake.detach()).detach().requires_grad_(true);
        var critic = D.forward(interpolates);
        var gradients = autograd.grad(new[] { critic }, new[] { interpolates }, new[] { ones_like(critic) }, retain_graph: true, create_graph: true)[0];
        return (gradients.norm(1, false, 2) - 1).pow(2).mean() * lambda;
    }

    private static void SetRequiresGrad(nn.Module module, bool value)
    {
        foreach (var p in module.parameters()) p.requires_grad = value;
    }
}
