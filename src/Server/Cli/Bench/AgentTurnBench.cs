using CoopAgent.Agent;
using CoopAgent.Agent.Baselines;
using CoopAgent.Agent.Loop;
using CoopAgent.Alignment.Policy;

namespace CoopAgent.Server.Cli.Bench;

/// <summary>
/// <c>coopagent bench --only agent [--policy DIR] [--quick]</c>: one decision of the <c>full</c> agent
/// (canonical-cat, first turn, K = 8 samples): <c>agent_turn_ms_p50</c>, <c>agent_turn_ms_p99</c>, and
/// <c>agent_policy_trained</c> (1 with a checkpoint — <c>--policy</c> or <c>policies/default</c> — 0 when it
/// falls back to a freshly initialised <c>GptConfig.Default</c> policy). Target p99 ≤ 150 ms.
/// </summary>
public sealed class AgentTurnBench : IBenchSection
{
    public string Name => "agent";

    public async Task<IReadOnlyDictionary<string, double>> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var folder = context.Args.Get("policy") ?? CooperativeAgents.FindDefaultPolicy();
        using var policy = folder is null ? TextPolicy.CreateUntrained(seed: 0) : TextPolicy.Load(folder);
        using var client = new PolicyChatClient(policy);
        var decisions = context.Quick ? 20 : 100;
        context.Progress.WriteLine(folder is null
            ? "[bench] agent: no checkpoint found; timing a freshly initialised, untrained policy"
            : $"[bench] agent: policy {policy.Version} from {folder}");
        var times = await TurnTiming.MeasureAsync(client, decisions, warmup: 3, cancellationToken);
        return new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["agent_turn_ms_p50"] = TurnTiming.Percentile(times, 0.50),
            ["agent_turn_ms_p99"] = TurnTiming.Percentile(times, 0.99),
            ["agent_policy_trained"] = folder is null ? 0 : 1,
        };
    }
}
