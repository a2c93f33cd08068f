using CoopAgent.Agent.Evaluation;
using CoopAgent.Agent.Scenarios;

namespace CoopAgent.Agent.Experiments;

/// <summary>
/// SFT, DPO and PPO policies on the scenario suite, each alone (the <c>policy</c> agent: the policy's plan is executed)
/// and inside the full cooperative agent (<c>full</c>: belief, value of information, filters around the same policy):
/// success, catastrophes, questions and regret per (algorithm, agent), from <see cref="Evaluator"/>.
/// </summary>
public static class AlgorithmsExperiment
{
    /// <summary>The two ways each policy is used.</summary>
    public static IReadOnlyList<string> Agents { get; } = ["policy", "full"];

    /// <summary>Evaluates every policy folder with both agents.</summary>
    /// <param name="policies">Algorithm name → policy checkpoint folder (null: the agents' default policy).</param>
    /// <param name="scenarios">The scenario suite (usually <see cref="BuiltinScenarios.All"/>).</param>
    /// <param name="seed">Evaluation seed (θ draws and human noise, the same for every row).</param>
    /// <param name="progress">Receives one line per evaluated (algorithm, agent).</param>
    /// <param name="cancellationToken">Stops between episodes.</param>
    public static async Task<ExperimentReport> RunAsync(IReadOnlyDictionary<string, string?> policies, IReadOnlyList<Scenario> scenarios,
        int seed, Action<string>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(policies);
        ArgumentNullException.ThrowIfNull(scenarios);
        if (policies.Count == 0 || scenarios.Count == 0)
        {
            throw new ArgumentException("the algorithms experiment needs at least one policy and one scenario.");
        }

        var rows = new List<IReadOnlyList<string>>();
        var json = new Dictionary<string, object?>();
        foreach (var (algorithm, folder) in policies)
        {
            var perAgent = new Dictionary<string, object?>();
            foreach (var agentName in Agents)
            {
                var agent = AgentCatalog.Create(agentName, new AgentContext(folder, seed));
                var report = await Evaluator.EvaluateAsync(agent, scenarios, new EvaluationOptions(Seed: seed), cancellationToken: cancellationToken).ConfigureAwait(false);
                rows.Add([algorithm, agentName, ExperimentCatalog.Cell(report.SuccessRate), ExperimentCatalog.Cell(report.CatastropheRate),
                    ExperimentCatalog.Cell(report.QuestionsPerEpisode), ExperimentCatalog.Cell(report.Regret)]);
                perAgent[agentName] = new Dictionary<string, object?>
                {
                    ["success_rate"] = report.SuccessRate,
                    ["catastrophe_rate"] = report.CatastropheRate,
                    ["questions_per_episode"] = report.QuestionsPerEpisode,
                    ["regret"] = report.Regret,
                    ["episodes"] = report.Episodes,
                };
                progress?.Invoke($"algorithms {algorithm} {agentName}: success {report.SuccessRate:0.000}, regret {report.Regret:0.000}");
            }

            json[algorithm] = new Dictionary<string, object?> { ["policy"] = folder, ["agents"] = perAgent };
        }

        var table = new ExperimentTable($"SFT, DPO and PPO policies on {scenarios.Count} scenarios, alone and inside the full agent (seed {seed})",
            ["algorithm", "agent", "success", "catastrophes", "questions/episode", "regret"], rows);
        return new ExperimentReport("algorithms", table, new Dictionary<string, object?>
        {
            ["experiment"] = "algorithms",
            ["scenarios"] = scenarios.Count,
            ["seed"] = seed,
            ["algorithms"] = json,
        }, []);
    }
}
