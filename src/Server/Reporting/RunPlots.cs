namespace CoopAgent.Server.Reporting;

/// <summary>One line on a plot: a figure of a stage from the metrics log, with its legend text.</summary>
/// <param name="Stage">Stage name in metrics.jsonl, for example <c>ppo</c>.</param>
/// <param name="Figure">Figure name within the stage, for example <c>kl</c>.</param>
/// <param name="Legend">Legend text.</param>
/// <param name="RightAxis">Draw against the right-hand axis (for a figure on another scale, like proxy against gold).</param>
public sealed record PlotSeries(string Stage, string Figure, string Legend, bool RightAxis = false);

/// <summary>Line plots (PNG, ScottPlot) of figures from a <see cref="MetricsLog"/>.</summary>
public static class RunPlots
{
    /// <summary>Draws the series that have data into <paramref name="path"/>; returns false (and draws nothing) when none has.</summary>
    public static bool Line(MetricsLog log, string path, string title, string xLabel, string yLabel, params PlotSeries[] series)
    {
        var plot = new ScottPlot.Plot();
        var drawn = 0;
        string? rightLabel = null;
        foreach (var s in series)
        {
            var (xs, ys) = log.Series(s.Stage, s.Figure);
            if (xs.Length == 0)
            {
                continue;
            }

            var line = xs.Length == 1 ? plot.Add.Scatter(xs, ys) : plot.Add.ScatterLine(xs, ys);
            line.LegendText = s.Legend;
            if (s.RightAxis)
            {
                line.Axes.YAxis = plot.Axes.Right;
                rightLabel ??= s.Legend;
            }

            line.LineWidth = 2;
            drawn++;
        }

        if (drawn == 0)
        {
            return false;
        }

        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        if (rightLabel is not null)
        {
            plot.Axes.Right.Label.Text = rightLabel + " (right axis)";
        }

        if (drawn > 1)
        {
            plot.ShowLegend(ScottPlot.Alignment.UpperLeft);
        }

        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        plot.SavePng(path, 900, 520);
        return true;
    }
}
