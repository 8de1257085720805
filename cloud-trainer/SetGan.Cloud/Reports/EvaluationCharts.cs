using ScottPlot;
using SetGan.Core.Evaluation;

namespace SetGan.Cloud.Reports;

/// <summary>The evaluation as pictures: quality vs k, energy vs k, and EDP vs k with the paper's figures marked.</summary>
public static class EvaluationCharts
{
    private const int Width = 900, Height = 540;

    /// <summary>SETGAN's EDP for N-1 and N-2 scales, normalised to all N: -56%, then a further -8%.</summary>
    public static readonly double[] PaperEdp = [0.44, 0.44 * 0.92];

    public static IReadOnlyList<string> WriteAll(EvaluationReport report, string folder)
    {
        ChartFonts.Ensure();
        return [Quality(report, Path.Combine(folder, "quality.png")), Energy(report, Path.Combine(folder, "energy.png")), Edp(report, Path.Combine(folder, "edp.png"))];
    }

    private static double[] Ks(EvaluationReport report) => report.Truncations.Select(t => (double)t.K).ToArray();

    private static string Quality(EvaluationReport report, string path)
    {
        var plot = NewPlot($"Quality per truncation k ({report.SourceImage})", "SSIM, diversity");
        double[] k = Ks(report);
        Line(plot, k, report.Truncations.Select(t => t.Ssim).ToArray(), "SSIM of the reconstruction");
        Line(plot, k, report.Truncations.Select(t => t.SampleSsim).ToArray(), "SSIM of random samples (mean)");
        Line(plot, k, report.Truncations.Select(t => t.Diversity).ToArray(), "diversity of samples");
        var swd = Line(plot, k, report.Truncations.Select(t => t.Swd).ToArray(), "SWD of 7x7 patches (right axis, lower is better)");
        swd.Axes.YAxis = plot.Axes.Right;
        plot.Axes.Right.Label.Text = "SWD";
        return Save(plot, path);
    }

    private static string Energy(EvaluationReport report, string path)
    {
        var plot = NewPlot("Energy per image by truncation k", "joules per image");
        foreach (var device in report.Devices)
            Line(plot, Ks(report), device.Truncations.Select(t => t.JoulesPerImage).ToArray(), $"{device.Device} ({device.Source})");
        return Save(plot, path);
    }

    private static string Edp(EvaluationReport report, string path)
    {
        var plot = NewPlot("Energy-delay product, normalised to all scales", "EDP / EDP(k = N)");
        foreach (var device in report.Devices)
            Line(plot, Ks(report), device.Truncations.Select(t => t.EdpNormalised).ToArray(), $"{device.Device} ({device.Source})");
        // What this machine measured: time only, so EDP here assumes constant power (EDP ~ t^2), as the paper's own -30% time / -56% EDP suggest.
        double fullMs = report.Truncations[^1].InferenceMs;
        var here = Line(plot, Ks(report), report.Truncations.Select(t => Math.Pow(t.InferenceMs / fullMs, 2)).ToArray(), "this machine: time measured, power taken as constant");
        here.LinePattern = LinePattern.Dashed;
        int n = report.Truncations.Count - 1;
        if (n >= 2)
        {
            var paper = plot.Add.Markers(new double[] { n, n - 1, n - 2 }, new[] { 1.0, PaperEdp[0], PaperEdp[1] });
            paper.MarkerStyle.Shape = MarkerShape.OpenSquare;
            paper.MarkerStyle.Size = 14;
            paper.LegendText = "SETGAN paper, ODROID-XU4 (measured there)";
        }
        return Save(plot, path);
    }

    private static Plot NewPlot(string title, string yLabel)
    {
        var plot = new Plot();
        plot.Title(title);
        plot.XLabel("k (scales G_0..G_k)");
        plot.YLabel(yLabel);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericFixedInterval(1);
        return plot;
    }

    private static ScottPlot.Plottables.Scatter Line(Plot plot, double[] xs, double[] ys, string label)
    {
        var line = plot.Add.Scatter(xs, ys);
        line.LegendText = label;
        line.LineWidth = 2;
        line.MarkerSize = 7;
        return line;
    }

    private static string Save(Plot plot, string path)
    {
        plot.ShowLegend(Alignment.UpperLeft);
        plot.SavePng(path, Width, Height);
        return path;
    }
}
