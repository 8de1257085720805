namespace SetGan.Trainer.Training;

/// <summary>A training step whose loss or gradients are not finite even in float32: the run diverged.</summary>
public sealed class TrainingDivergedException(string message, Exception? inner = null) : Exception(message, inner);
