namespace CoopAgent.Agent.Experiments;

/// <summary>The seeds of one household arm summarised: final held-out figures as mean ± spread, and mean curves.</summary>
public sealed class HouseholdSummary
{
    private readonly IReadOnlyList<HouseholdRun> _runs;

    private HouseholdSummary(IReadOnlyList<HouseholdRun> runs)
    {
        _runs = runs;
        Gold = SeedSpread.Of([.. runs.Select(r => r.Points[^1].Evaluation.Gold)]);
        Success = SeedSpread.Of([.. runs.Select(r => r.Points[^1].Evaluation.Success)]);
        Proxy = SeedSpread.Of([.. runs.Select(r => r.Points[^1].Evaluation.Proxy)]);
        KlToSft = SeedSpread.Of([.. runs.Select(r => r.KlToSft)]);
        GoldOverRun = SeedSpread.Of([.. runs.Select(r => r.Points.Skip(1).Average(p => p.Evaluation.Gold))]);
        RolloutGold = SeedSpread.Of([.. runs.Select(r => HouseholdRun.LastThird(r.RolloutGold))]);
        RolloutSuccess = SeedSpread.Of([.. runs.Select(r => HouseholdRun.LastThird(r.RolloutSuccess))]);
    }

    /// <summary>Gold of the sampled rollouts over the last third of each run (with uniform prompts: the sampled policy on
    /// the training distribution, many more turns than the held-out greedy evaluation).</summary>
    public SeedSpread RolloutGold { get; }

    /// <summary>Success of the sampled rollouts over the last third of each run.</summary>
    public SeedSpread RolloutSuccess { get; }

    /// <summary>Held-out greedy gold after the last iteration.</summary>
    public SeedSpread Gold { get; }

    /// <summary>Held-out success rate after the last iteration.</summary>
    public SeedSpread Success { get; }

    /// <summary>Held-out proxy (reward model) after the last iteration.</summary>
    public SeedSpread Proxy { get; }

    /// <summary>KL(π ‖ π_SFT) per response after the last iteration.</summary>
    public SeedSpread KlToSft { get; }

    /// <summary>Held-out gold averaged over the evaluations after training started (the area under the curve).</summary>
    public SeedSpread GoldOverRun { get; }

    /// <summary>Held-out gold at each evaluation, averaged over seeds (every seed is evaluated at the same points).</summary>
    public IReadOnlyList<double> MeanGold => [.. Enumerable.Range(0, _runs[0].Points.Count).Select(i => _runs.Average(r => r.Points[i].Evaluation.Gold))];

    /// <summary>Rollout samples at each evaluation.</summary>
    public IReadOnlyList<int> Samples => [.. _runs[0].Points.Select(p => p.Samples)];

    /// <summary>Iterations at each evaluation.</summary>
    public IReadOnlyList<int> Iterations => [.. _runs[0].Points.Select(p => p.Iteration)];

    /// <summary>Summarises runs of one arm (at least one, all with the same evaluation points).</summary>
    public static HouseholdSummary Of(IReadOnlyList<HouseholdRun> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        if (runs.Count == 0 || runs.Any(r => !r.Points.Select(p => p.Samples).SequenceEqual(runs[0].Points.Select(p => p.Samples))))
        {
            throw new ArgumentException("need at least one run, all evaluated at the same points.", nameof(runs));
        }

        return new HouseholdSummary(runs);
    }

    /// <summary>The figures every household table reports, in JSON form.</summary>
    public IReadOnlyDictionary<string, object?> ToJson() => new Dictionary<string, object?>
    {
        ["gold"] = Gold.ToJson(),
        ["success"] = Success.ToJson(),
        ["proxy"] = Proxy.ToJson(),
        ["kl_to_sft"] = KlToSft.ToJson(),
        ["gold_mean_over_run"] = GoldOverRun.ToJson(),
        ["kl_charged_final"] = SeedSpread.Of([.. _runs.Select(r => r.History[^1].Kl)]).ToJson(),
        ["rollout_gold_last_third"] = RolloutGold.ToJson(),
        ["rollout_success_last_third"] = RolloutSuccess.ToJson(),
        ["rollout_gold_by_iteration"] = Enumerable.Range(0, _runs[0].RolloutGold.Count).Select(i => _runs.Average(r => r.RolloutGold[i])).ToArray(),
        ["distinct_prompts"] = SeedSpread.Of([.. _runs.Select(r => (double)r.DistinctPrompts)]).ToJson(),
        ["eval_samples"] = Samples,
        ["gold_by_evaluation"] = MeanGold,
        ["proxy_by_evaluation"] = Enumerable.Range(0, _runs[0].Points.Count).Select(i => _runs.Average(r => r.Points[i].Evaluation.Proxy)).ToArray(),
        ["seconds"] = _runs.Select(r => r.Seconds).ToArray(),
    };

    /// <summary>Held-out gold and proxy against rollout samples; the rollouts' gold and the KL charged by PPO against samples.</summary>
    /// <param name="prefix">Plot name prefix: plots are PREFIX_gold, PREFIX_proxy, PREFIX_rollout_gold and PREFIX_kl.</param>
    /// <param name="legend">The arm's name.</param>
    /// <param name="batchSize">Rollouts per iteration (the x of the KL curve).</param>
    public IReadOnlyList<ExperimentCurve> Curves(string prefix, string legend, int batchSize)
    {
        var x = Samples.Select(s => (double)s).ToArray();
        var iterations = _runs[0].History.Count;
        double[] perIteration = [.. Enumerable.Range(1, iterations).Select(i => (double)(i * batchSize))];
        return
        [
            new(prefix + "_gold", legend, x, MeanGold),
            new(prefix + "_proxy", legend, x, [.. Enumerable.Range(0, x.Length).Select(i => _runs.Average(r => r.Points[i].Evaluation.Proxy))]),
            new(prefix + "_rollout_gold", legend, perIteration, [.. Enumerable.Range(0, iterations).Select(i => _runs.Average(r => r.RolloutGold[i]))]),
            new(prefix + "_kl", legend, perIteration, [.. Enumerable.Range(0, iterations).Select(i => _runs.Average(r => r.History[i].Kl))]),
        ];
    }
}
