namespace SetGan.Core.Packaging;

/// <summary>A package that must not run: the message names the file and the problem in one line.</summary>
public sealed class PackageException(string message, Exception? inner = null) : Exception(message, inner);
