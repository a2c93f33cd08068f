using CoopAgent.Agent.Belief;
using CoopAgent.Agent.Evaluation;
using CoopAgent.Agent.Loop;
using CoopAgent.Agent.Scenarios;
using CoopAgent.Alignment.Policy;
using Microsoft.Extensions.AI;

namespace CoopAgent.Agent.Baselines;

/// <summary>
/// The cooperative agent and its baselines by catalog name, all over the same policy client:
/// <c>full</c>, <c>policy</c>, <c>never-ask</c>, <c>always-ask</c>, <c>entropy</c>, <c>conformal</c>.
/// </summary>
public static class CooperativeAgents
{
    /// <summary>Miscoverage ε of the conformal baseline (coverage 90%, as in KnowNo's experiments).</summary>
    public const double ConformalEpsilon = 0.1;

    public static IReadOnlyList<string> Names { get; } = ["full", "policy", "never-ask", "always-ask", "entropy", "conformal"];

    /// <summary>The catalog's factory: the agent called <paramref name="name"/> over the policy in
    /// <see cref="AgentContext.PolicyDirectory"/>, else <c>policies/default</c> (looked for from the current
    /// directory and the program's folder upwards), else a freshly initialised, untrained policy.</summary>
    public static IHouseholdAgent Create(string name, AgentContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var folder = context.PolicyDirectory ?? FindDefaultPolicy();
        var policy = folder is null ? TextPolicy.CreateUntrained(context.Seed) : TextPolicy.Load(folder);
        policy.Model.UseInferencePrecision(context.Precision);
        var defaults = CooperativeAgentOptions.Default;
        var options = defaults with
        {
            Samples = context.Samples ?? defaults.Samples,
            Temperature = context.Temperature ?? defaults.Temperature,
            Grounded = defaults.Grounded && !context.FreeText,
        };
        return Create(name, new PolicyChatClient(policy), options: options, conformalEpsilon: context.ConformalEpsilon ?? ConformalEpsilon);
    }

    /// <summary><c>policies/default</c> in the current directory or the program's folder or any parent of
    /// either; null when there is none.</summary>
    public static string? FindDefaultPolicy()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "policies", "default");
                if (Directory.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    /// <summary>Builds the agent called <paramref name="name"/> over <paramref name="policy"/>. Evaluation agents
    /// keep no memory across episodes: each episode's person is a fresh draw. <paramref name="conformalEpsilon"/> is
    /// the conformal baseline's miscoverage (smaller: larger prediction sets, more questions).</summary>
    public static IHouseholdAgent Create(string name, IChatClient policy, IBeliefMemory? memory = null, CooperativeAgentOptions? options = null, double conformalEpsilon = ConformalEpsilon)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(conformalEpsilon);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(conformalEpsilon, 1);
        var defaults = options ?? CooperativeAgentOptions.Default;
        return name switch
        {
            "full" => new CooperativeAgent(name, policy, defaults, memory),
            "policy" => new PolicyOnlyAgent(policy, defaults.MaxOutputTokens),
            "never-ask" => new CooperativeAgent(name, policy, defaults with { Asking = AskingRule.Never, GateActions = false }, memory),
            "always-ask" => new CooperativeAgent(name, policy, defaults with { Asking = AskingRule.AlwaysFirst }, memory),
            "entropy" => new CooperativeAgent(name, policy, defaults with { Asking = AskingRule.EntropyThreshold }, memory),
            "conformal" => new CooperativeAgent(name, policy, defaults with { Asking = AskingRule.Conformal }, memory,
                ct => ConformalCalibration.CalibrateAsync(policy, ConformalCalibration.CalibrationSplit(BuiltinScenarios.All()), conformalEpsilon, defaults, ct)),
            _ => throw new KeyNotFoundException($"unknown cooperative agent '{name}'; known: {string.Join(", ", Names)}"),
        };
    }
}
