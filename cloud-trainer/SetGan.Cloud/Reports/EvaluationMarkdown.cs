using System.Globalization;
using System.Text;
using SetGan.Core.Evaluation;

namespace SetGan.Cloud.Reports;

/// <summary>evaluation.md: the same numbers as evaluation.json, as tables a person reads.</summary>
public static class EvaluationMarkdown
{
    public static string Render(EvaluationReport r)
    {
        var md = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        md.AppendLine(inv, $"# Evaluation of {r.SourceImage}");
        md.AppendLine();
        md.AppendLine(inv, $"Package `{r.Package}` (models {r.ModelsSha256[..12]}), finest size {r.FinestSize}, {r.Samples} random samples per k (seed {r.Seed}); inference timed on {r.Machine}.");
        md.AppendLine("SSIM: the reconstruction at k, upsampled to the finest size, against the real image. SWD and diversity: random samples.");
        md.AppendLine();
        md.AppendLine("| k | size | SSIM | SSIM drop | sample SSIM | SWD | diversity | model MB | GFLOP | ms per image (min-max) |");
        md.AppendLine("|---|------|------|-----------|-------------|-----|-----------|----------|-------|------------------------|");
        var full = r.Truncations[^1];
        foreach (var t in r.Truncations)
            md.AppendLine(inv, $"| {t.K} | {t.Size} | {t.Ssim:F3} | {(t.Ssim / full.Ssim - 1):P1} | {t.SampleSsim:F3} | {t.Swd:F4} | {t.Diversity:F3} | {t.ModelBytes / 1e6:F2} | {t.Gflop:F3} | {t.InferenceMs:F1} ({t.InferenceMsMin:F1}-{t.InferenceMsMax:F1}) |");
        foreach (var d in r.Devices)
        {
            md.AppendLine();
            md.AppendLine(inv, $"## {d.Device} ({d.Source})");
            md.AppendLine();
            md.AppendLine("| k | J per image | s per image | average W | EDP / EDP(N) |");
            md.AppendLine("|---|-------------|-------------|-----------|--------------|");
            foreach (var t in d.Truncations)
                md.AppendLine(inv, $"| {t.K} | {t.JoulesPerImage:G3} | {t.SecondsPerImage:G3} | {t.AverageWatts:F2} | {t.EdpNormalised:F3} |");
        }
        return md.ToString();
    }
}
