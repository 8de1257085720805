namespace SetGan.Core.Pyramid;

/// <summary>The image size at one scale of the pyramid.</summary>
public readonly record struct ScaleSize(int Width, int Height)
{
    public int Pixels => Width * Height;
    public override string ToString() => $"{Width}x{Height}";

    /// <summary>Parses "WxH" (e.g. "320x240").</summary>
    public static ScaleSize Parse(string text)
    {
        var parts = text.Trim().ToLowerInvariant().Split('x');
        if (parts.Length == 2 && int.TryParse(parts[0], out int w) && int.TryParse(parts[1], out int h) && w > 0 && h > 0)
            return new ScaleSize(w, h);
        throw new FormatException($"'{text}' is not a size; write WIDTHxHEIGHT, e.g. 320x240");
    }
}
