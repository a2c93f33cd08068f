using CoopAgent.Agent.Evaluation;
using CoopAgent.Agent.Household;
using CoopAgent.Agent.Scenarios;

namespace CoopAgent.Agent.Planning;

/// <summary>Plays a fixed plan one action per step, then <c>done</c>.</summary>
internal sealed class ScriptedEpisode(IReadOnlyList<string> actions, string explanation, IReadOnlyList<string>? candidates = null) : IAgentEpisode
{
    private int _next;

    public ValueTask<AgentTurn> NextAsync(Observation observation, CancellationToken cancellationToken = default)
    {
        var action = _next < actions.Count ? actions[_next] : "done";
        var plan = actions.Skip(_next).ToList();
        _next++;
        return ValueTask.FromResult(new AgentTurn(action, plan, _next == 1 ? candidates : null, explanation));
    }
}

/// <summary>
/// <c>oracle</c>: knows θ and the whole home, plays θ's best plan within the step limit and never asks.
/// The upper bound that regret is measured against, and the demonstrator.
/// </summary>
public sealed class OracleAgent : IOmniscientAgent
{
    public string Name => "oracle";

    /// <summary>Without θ there is nothing to be an oracle about.</summary>
    public IAgentEpisode BeginEpisode(EpisodeStart start) =>
        throw new InvalidOperationException("the oracle needs the true θ: run it through EpisodeRunner, which calls the IOmniscientAgent overload");

    public IAgentEpisode BeginEpisode(EpisodeStart start, World home, ScenarioHypothesis truth)
    {
        ArgumentNullException.ThrowIfNull(start);
        var best = OraclePlanner.Plan(home, start.Judge, truth, start.StepLimit);
        return new ScriptedEpisode(best.Plan.Actions, $"θ = {truth.Name}: {best.Plan.Goal} (utility {best.Utility:0.##})");
    }
}

/// <summary>
/// <c>literal</c>: knows only the words; plays <see cref="LiteralFollower.Choose"/> on what it can see at the
/// start (and just says <c>done</c> when nothing fits).
/// </summary>
public sealed class LiteralFollowerAgent : IHouseholdAgent
{
    public string Name => "literal";

    public IAgentEpisode BeginEpisode(EpisodeStart start) => new LiteralEpisode(start);

    private sealed class LiteralEpisode(EpisodeStart start) : IAgentEpisode
    {
        private ScriptedEpisode? _script;

        public ValueTask<AgentTurn> NextAsync(Observation observation, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(observation);
            if (_script is null)
            {
                var plan = LiteralFollower.Choose(observation.View, start.Instruction, start.Person);
                _script = plan is null
                    ? new ScriptedEpisode(["done"], "no plan fits the words")
                    : new ScriptedEpisode(plan.Actions, $"the words say: {plan.Goal}");
            }

            return _script.NextAsync(observation, cancellationToken);
        }
    }
}
