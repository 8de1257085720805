namespace SetGan.Trainer.Training;

/// <summary>Losses after one iteration of one scale (errD includes the gradient penalty, as SinGAN plots it).</summary>
public sealed record IterationReport(int Scale, int Iteration, int Iterations, double ErrD, double ErrG, double RecLoss, TimeSpan Elapsed);
