namespace SetGan.Trainer.Training;

public enum TrainingMode
{
    /// <summary>SinGAN: scales one after another, each fed the generated image from below.</summary>
    Sequential,

    /// <summary>SETGAN: every scale fed the upsampled real image from below, so all train at once.</summary>
    Parallel,

    /// <summary>Parallel, and each new usable truncation is exported and published as soon as it exists.</summary>
    Progressive,
}
