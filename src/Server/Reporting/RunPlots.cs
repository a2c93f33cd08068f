namespace CoopAgent.Server.Reporting;

/// <summary>One line on a plot: a figure of a stage from the metrics log, with its legend text.</summary>
public sealed record PlotSeries(string Stage, string Figure, string Legend);

/// <summary>Line plots (PNG, ScottPlot) of figures from a <see cref="MetricsLog"/>.</summary>
public static class RunPlots
{
    /// <summary>Draws the series that have data into <paramref name="path"/>; returns false (and draws nothing) when none has.</summary>
    public static bool Line(MetricsLog log, string path, string title, string xLabel, string yLabel, params PlotSeries[] series)
    {
        var plot = new ScottPlot.Plot();
        var drawn = 0;
        foreach (var s in series)
        {
            var (xs, ys) = log.Series(s.Stage, s.Figure);
            if (xs.Length == 0)
            {
                continue;
            }

            var line = xs.Length == 1 ? plot.Add.Scatter(xs, ys) : plot.Add.ScatterLine(xs, ys);
            line.LegendText = s.Legend;
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
        if (drawn > 1)
        {
            plot.ShowLegend();
        }

        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        plot.SavePng(path, 900, 520);
        return true;
    }
}
