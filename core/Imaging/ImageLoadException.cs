namespace SetGan.Core.Imaging;

/// <summary>An input image that cannot be used; the message is one line meant for the user.</summary>
public sealed class ImageLoadException(string message) : Exception(message);
