using CoopAgent.Agent.Baselines;
using CoopAgent.Agent.Planning;
using CoopAgent.Alignment.Models;

namespace CoopAgent.Agent.Evaluation;

/// <summary>What a factory in <see cref="AgentCatalog"/> may use to build an agent.</summary>
/// <param name="PolicyDirectory">A policy checkpoint folder (<c>--policy</c>); null: the agent's default.</param>
/// <param name="Seed">Seed for anything the agent samples.</param>
/// <param name="Samples">Plans the policy-backed agents sample per decision (<c>--samples</c>); null: their default.</param>
/// <param name="Temperature">Their sampling temperature (<c>--temperature</c>); null: their default.</param>
/// <param name="FreeText">Sample without the plan grammar of the home (<c>--free-text</c>), for comparison.</param>
/// <param name="ConformalEpsilon">The conformal baseline's miscoverage (<c>--epsilon</c>); null: 0.1.</param>
/// <param name="Precision">How the policy computes (<c>--precision</c>; see <see cref="InferencePrecision"/>).</param>
public sealed record AgentContext(string? PolicyDirectory = null, int Seed = 0, int? Samples = null, float? Temperature = null, bool FreeText = false, double? ConformalEpsilon = null, InferencePrecision Precision = InferencePrecision.Fp32);

/// <summary>
/// Agents by name, for <c>coopagent eval/simulate --agent NAME</c>. One line per agent; agents from other
/// parts of the project (the cooperative agent and its baselines) add their lines here.
/// </summary>
public static class AgentCatalog
{
    private static readonly SortedDictionary<string, Func<AgentContext, IHouseholdAgent>> Factories = new(StringComparer.Ordinal)
    {
        ["oracle"] = _ => new OracleAgent(),
        ["literal"] = _ => new LiteralFollowerAgent(),
        ["full"] = c => CooperativeAgents.Create("full", c),
        ["policy"] = c => CooperativeAgents.Create("policy", c),
        ["never-ask"] = c => CooperativeAgents.Create("never-ask", c),
        ["always-ask"] = c => CooperativeAgents.Create("always-ask", c),
        ["entropy"] = c => CooperativeAgents.Create("entropy", c),
        ["conformal"] = c => CooperativeAgents.Create("conformal", c),
    };

    /// <summary>Every registered name, sorted.</summary>
    public static IReadOnlyCollection<string> Names => Factories.Keys;

    /// <summary>Builds the agent called <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No such agent; the message lists the known names.</exception>
    public static IHouseholdAgent Create(string name, AgentContext? context = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Factories.TryGetValue(name, out var factory)
            ? factory(context ?? new AgentContext())
            : throw new KeyNotFoundException($"unknown agent '{name}'; known agents: {string.Join(", ", Factories.Keys)}");
    }

    public static bool Contains(string name) => Factories.ContainsKey(name);
}
