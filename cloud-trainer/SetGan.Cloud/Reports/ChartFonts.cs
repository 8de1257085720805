namespace SetGan.Cloud.Reports;

/// <summary>
/// Charts carry their own font: the Linux SkiaSharp build we use has no fontconfig, so on a machine
/// without it (CI, a bare server) ScottPlot would otherwise draw axes and legends without any text.
/// </summary>
public static class ChartFonts
{
    public const string Family = "DejaVu Sans";
    private static readonly Lazy<bool> Registered = new(() =>
    {
        string path = Path.Combine(AppContext.BaseDirectory, "fonts", "DejaVuSans.ttf");
        if (!File.Exists(path)) throw new InvalidOperationException($"the chart font is missing from this build: {path}");
        ScottPlot.Fonts.AddFontFile(Family, path);
        ScottPlot.Fonts.Default = Family;
        return true;
    });

    public static void Ensure() => _ = Registered.Value;
}
