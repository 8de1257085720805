using ScottPlot;

namespace SetGan.Bench;

/// <summary>The per-scale timeline of each training mode as horizontal bars: when each scale trained.</summary>
public static class TimelineChart
{
    public static void Write(IReadOnlyList<ModesBenchmark.Result> results, string path)
    {
        SetGan.Cloud.Reports.ChartFonts.Ensure();
        var plot = new Plot();
        plot.Title("Training timeline per scale (each row: one mode; bars: scales, darker = finer)");
        plot.XLabel("seconds since the start of the run");
        var ticks = new List<Tick>();
        for (int row = 0; row < results.Count; row++)
        {
            var r = results[row];
            int scales = Math.Max(1, r.Spans.Count);
            foreach (var span in r.Spans)
            {
                // Scales of a mode share its row; each scale gets its own thin slot inside the row.
                double slot = 0.8 / scales, position = row - 0.4 + slot * (span.Scale + 0.5);
                var bar = new Bar
                {
                    Position = position, ValueBase = span.Start, Value = span.End, Size = slot * 0.9,
                    FillColor = Colors.Blue.WithAlpha(0.25 + 0.75 * (span.Scale + 1) / scales), LineWidth = 0, Orientation = Orientation.Horizontal,
                };
                plot.Add.Bar(bar);
            }
            foreach (var t in r.UsableAt.Take(r.UsableAt.Count))
            {
                var marker = plot.Add.Marker(t, row + 0.45);
                marker.MarkerStyle.Shape = MarkerShape.FilledTriangleDown;
                marker.MarkerStyle.Size = 6;
                marker.Color = Colors.OrangeRed;
            }
            ticks.Add(new Tick(row, $"{r.Name} ({r.Seconds:F0} s)"));
        }
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks.ToArray());
        plot.Axes.Margins(left: 0.02, bottom: 0.05);
        plot.SavePng(path, 1100, 160 + 110 * results.Count);
    }
}
