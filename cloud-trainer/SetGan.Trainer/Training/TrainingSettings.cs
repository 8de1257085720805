namespace SetGan.Trainer.Training;

/// <summary>
/// SinGAN's hyperparameters (config.py), named as there. <see cref="Paper"/> is the published
/// recipe; <see cref="Quick"/> trades iterations and resolution for a CPU run of a few minutes.
/// </summary>
public sealed record TrainingSettings
{
    public string Preset { get; init; } = "paper";
    public TrainingMode Mode { get; init; } = TrainingMode.Sequential;

    /// <summary>niter: iterations per scale; one iteration = Dsteps D steps + Gsteps G steps.</summary>
    public int Iterations { get; init; } = 2000;
    public int MaxSize { get; init; } = 250;
    public int MinSize { get; init; } = 25;
    public double ScaleFactorInit { get; init; } = 0.75;
    public int NfcInit { get; init; } = 32;

    public double LearningRateG { get; init; } = 5e-4;
    public double LearningRateD { get; init; } = 5e-4;
    public double Beta1 { get; init; } = 0.5;

    /// <summary>gamma: the lr is multiplied by this at <see cref="LrMilestone"/> (1600 of 2000).</summary>
    public double Gamma { get; init; } = 0.1;
    public int DSteps { get; init; } = 3;
    public int GSteps { get; init; } = 3;

    /// <summary>lambda_grad: weight of the WGAN-GP gradient penalty.</summary>
    public double LambdaGrad { get; init; } = 0.1;

    /// <summary>alpha: weight of the reconstruction loss.</summary>
    public double Alpha { get; init; } = 10;

    /// <summary>noise_amp_init: noise_amp_n = noise_amp_init * RMSE(real_n, upsampled reconstruction).</summary>
    public double NoiseAmpInit { get; init; } = 0.1;

    public long Seed { get; init; } = 1;
    public string Device { get; init; } = "cpu";

    /// <summary>libtorch intra-op threads; 0 = one per core. In parallel modes: the threads shared by all scales.</summary>
    public int Threads { get; init; }

    /// <summary>What the layers compute in; bf16 is mixed precision (float32 weights and optimiser).</summary>
    public ComputePrecision Compute { get; init; } = ComputePrecision.Float32;

    /// <summary>Early stop (ours): end a scale when its losses stop improving; null trains every iteration.</summary>
    public EarlyStopSettings? EarlyStop { get; init; }

    /// <summary>Early exit (the paper's): stop adding scales once the reconstruction's SSIM reaches this.</summary>
    public double? SsimTarget { get; init; }

    /// <summary>
    /// Parallel modes (ours, beyond the paper): Adam steps that tune G_n on the generated
    /// reconstruction from below once G_0..G_n are trained (<see cref="ChainTuning"/>); 0 turns it off.
    /// </summary>
    public int ChainTuneSteps { get; init; } = 100;

    /// <summary>
    /// Parallel modes (ours, beyond the paper): feed G_n the generated samples of G_0..G_{n-1} from the first iteration after
    /// they are final, instead of the real image below for all of its iterations (<see cref="ScaleConditioning.HandOver"/>).
    /// false, with <see cref="ChainTuneSteps"/> 0, is the paper's plain parallel mode.
    /// </summary>
    public bool HandOver { get; init; } = true;

    /// <summary>
    /// Parallel modes (ours, beyond the paper): a scale that trains right after the scale below on the same lane starts from
    /// that scale's trained weights when the width is the same, as SinGAN's hand-over of weights does. false: every scale starts fresh.
    /// </summary>
    public bool WarmStart { get; init; }

    /// <summary>SinGAN's MultiStepLR milestone: 1600 of 2000 iterations, scaled with <see cref="Iterations"/>.</summary>
    public int LrMilestone => (int)Math.Round(Iterations * 0.8);

    public static TrainingSettings Paper { get; } = new();

    /// <summary>Balloons at 128 px (6 scales) in about 7 minutes on 2 CPU cores (docs/benchmarks.md).</summary>
    public static TrainingSettings Quick { get; } = new() { Preset = "quick", Iterations = 100, MaxSize = 128 };

    public static TrainingSettings FromPreset(string name) => name.ToLowerInvariant() switch
    {
        "paper" => Paper,
        "quick" => Quick,
        _ => throw new ArgumentException($"unknown preset '{name}'; use quick or paper"),
    };

    /// <summary>Settings that change what is trained; resuming requires them to match.</summary>
    public string Fingerprint() =>
        string.Join(";", Mode is TrainingMode.Sequential ? "Sequential" : "Parallel", Iterations, MaxSize, MinSize, ScaleFactorInit, NfcInit,
            LearningRateG, LearningRateD, Beta1, Gamma, DSteps, GSteps, LambdaGrad, Alpha, NoiseAmpInit, Seed, EarlyStop, SsimTarget)
        + (Mode is TrainingMode.Sequential ? "" : $";tune {ChainTuneSteps}")
        + (Mode is TrainingMode.Sequential || !HandOver ? "" : ";handover")
        + (Mode is TrainingMode.Sequential || !WarmStart ? "" : ";warm")
        + (Compute is ComputePrecision.Float32 ? "" : $";compute {Compute.Name()}"); // float32 runs keep their old fingerprint, so they still resume
}
