using CoopAgent.Server.Reporting;

namespace CoopAgent.Server.Cli;

/// <summary><c>coopagent plots --run DIR</c>: draws (again) the plots of a training run from its metrics.jsonl.</summary>
public sealed class PlotsVerb : ICliVerb
{
    public string Name => "plots";

    public string Usage => "--run DIR   redraw the PNG plots of a run folder from its metrics.jsonl";

    public Task<int> RunAsync(CliArgs args, CancellationToken cancellationToken)
    {
        var run = args.Required("run");
        args.RejectUnknown();
        var metrics = Path.Combine(run, "metrics.jsonl");
        if (!File.Exists(metrics))
        {
            throw new FileNotFoundException($"{metrics} does not exist: --run takes the folder given to 'coopagent train --out'.");
        }

        using var log = new MetricsLog(metrics);
        foreach (var plot in TrainVerb.DrawPlots(log, Path.Combine(run, "plots")))
        {
            Console.WriteLine(plot);
        }

        return Task.FromResult(0);
    }
}
