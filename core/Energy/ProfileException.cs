namespace SetGan.Core.Energy;

/// <summary>A device or energy profile that cannot be used; the message names the file and the problem.</summary>
public sealed class ProfileException(string message) : Exception(message);
