namespace SetGan.Trainer.Checkpoints;

/// <summary>A model folder that cannot be used as asked; the message is one line for the user.</summary>
public sealed class CheckpointException(string message) : Exception(message);
