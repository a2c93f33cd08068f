using System.Text.Json;
using CoopAgent.Agent.Pipeline;
using CoopAgent.Alignment.Devices;
using CoopAgent.Server.Reporting;
using Spectre.Console;

namespace CoopAgent.Server.Cli;

/// <summary>
/// <c>coopagent train</c>: the whole household RLHF pipeline into one run folder, with a progress bar per
/// stage, a line of figures per PPO iteration, <c>metrics.jsonl</c> and PNG plots.
/// </summary>
public sealed class TrainVerb : ICliVerb
{
    public string Name => "train";

    public string Usage => "--preset tiny|default [--algo ppo|dpo|sft] [--out DIR] [--seed N] [--device cpu|cuda|auto] [--threads N] [--resume] [--json]";

    public Task<int> RunAsync(CliArgs args, CancellationToken cancellationToken)
    {
        var preset = TrainingPreset.ByName(args.Choice("preset", "tiny", [.. TrainingPreset.Names]));
        var algo = args.Choice("algo", "ppo", [.. TrainingPipeline.Algorithms]);
        var seed = args.GetInt("seed", 1);
        var output = Path.GetFullPath(args.Get("out", Path.Combine("runs", $"{preset.Name}-{algo}-s{seed}")));
        var resume = args.Flag("resume");
        var json = args.Flag("json");
        var device = DeviceSelector.Resolve(args.Get("device", "cpu"));
        var threads = args.GetInt("threads", 0);
        args.RejectUnknown();
        if (threads < 0)
        {
            throw new CliUsageException("--threads takes a positive number (0 or absent: LibTorch's default).");
        }

        if (threads > 0)
        {
            // On a busy machine one LibTorch thread per process beats oversubscribed cores by far.
            TorchSharp.torch.set_num_threads(threads);
        }

        var request = new TrainingRequest(preset, algo, output, seed, device, resume,
            "coopagent train " + string.Join(' ', args.Raw));
        var result = Train(request, interactive: !json && AnsiConsole.Profile.Capabilities.Interactive, cancellationToken);

        var summary = new Dictionary<string, object>
        {
            ["policy"] = result.PolicyFolder,
            ["metrics"] = Path.Combine(output, "metrics.jsonl"),
            ["plots"] = Path.Combine(output, "plots"),
            ["overoptimisation_seen"] = result.OveroptimisationSeen,
        };
        foreach (var (key, value) in result.Metrics)
        {
            summary[key] = double.IsFinite(value) ? value : null!;
        }

        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(summary));
        }
        else
        {
            foreach (var (key, value) in summary)
            {
                Console.WriteLine($"{key,-26} {value}");
            }
        }

        return Task.FromResult(0);
    }

    /// <summary>Runs the pipeline with console progress, metrics.jsonl and plots in the run folder.</summary>
    public static TrainingResult Train(TrainingRequest request, bool interactive, CancellationToken cancellationToken, IRunObserver? extra = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Observed(request.OutputFolder, interactive, extra, observer => new TrainingPipeline(request, observer).Run(cancellationToken));
    }

    /// <summary>Runs a long job (training, retraining) with a progress bar per stage (plain lines when not
    /// <paramref name="interactive"/>), <c>metrics.jsonl</c> in <paramref name="outputFolder"/> and the plots in its
    /// <c>plots</c> folder, drawn also when the job stops early.</summary>
    public static T Observed<T>(string outputFolder, bool interactive, IRunObserver? extra, Func<IRunObserver, T> run)
    {
        ArgumentNullException.ThrowIfNull(run);
        Directory.CreateDirectory(outputFolder);
        using var log = new MetricsLog(Path.Combine(outputFolder, "metrics.jsonl"));
        try
        {
            if (!interactive)
            {
                return Run(new ConsoleRunObserver(null, Console.Error, "ppo"));
            }

            T result = default!;
            AnsiConsole.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                .Start(context => result = Run(new ConsoleRunObserver(context, Console.Error, "ppo")));
            return result;
        }
        finally
        {
            // Plots cover whatever was measured, also when the run stopped early.
            DrawPlots(log, Path.Combine(outputFolder, "plots"));
        }

        T Run(IRunObserver console)
        {
            IRunObserver observer = extra is null
                ? new RunObservers(console, new MetricsRunObserver(log))
                : new RunObservers(console, new MetricsRunObserver(log), extra);
            return run(observer);
        }
    }

    /// <summary>The plots of a run: losses, reward-model accuracy, PPO score, KL, entropy, gold against proxy.</summary>
    public static IReadOnlyList<string> DrawPlots(MetricsLog log, string folder)
    {
        ArgumentNullException.ThrowIfNull(log);
        var written = new List<string>();
        void Plot(string file, string title, string y, params PlotSeries[] series)
        {
            var path = Path.Combine(folder, file);
            if (RunPlots.Line(log, path, title, "step", y, series))
            {
                written.Add(path);
            }
        }

        Plot("losses.png", "Training losses", "loss",
            new PlotSeries("pretrain", "loss", "pretraining"), new PlotSeries("sft", "loss", "SFT"),
            new PlotSeries("reward", "loss", "reward model"), new PlotSeries("dpo", "loss", "DPO"));
        Plot("reward_model_accuracy.png", "Reward model pairwise accuracy", "accuracy",
            new PlotSeries("reward", "accuracy", "train batch"), new PlotSeries("reward.heldout", "accuracy", "held out (per epoch)"));
        Plot("ppo_score.png", "PPO: reward-model score of the rollouts", "score", new PlotSeries("ppo", "score", "proxy score"));
        Plot("ppo_kl.png", "PPO: KL to the reference (nats per response)", "KL", new PlotSeries("ppo", "kl", "KL"));
        Plot("ppo_entropy.png", "PPO: policy entropy (nats per token)", "entropy", new PlotSeries("ppo", "entropy", "entropy"));
        Plot("gold_vs_proxy.png", "Gold reward (true θ) against proxy reward (reward model)", "reward",
            new PlotSeries("ppo.eval", "gold", "gold, held-out prompts"), new PlotSeries("ppo", "gold", "gold, rollouts"),
            new PlotSeries("ppo.eval", "proxy", "proxy, held-out prompts", RightAxis: true), new PlotSeries("ppo", "score", "proxy, rollouts", RightAxis: true));
        Plot("dpo_margin.png", "DPO: implicit reward margin", "margin", new PlotSeries("dpo", "margin", "margin"));
        return written;
    }
}
