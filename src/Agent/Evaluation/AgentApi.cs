using CoopAgent.Agent.Household;
using CoopAgent.Agent.Humans;
using CoopAgent.Agent.Scenarios;

namespace CoopAgent.Agent.Evaluation;

/// <summary>
/// An agent that can be run on household scenarios by <see cref="EpisodeRunner"/>: the oracle, the literal
/// follower, the cooperative agent and its baselines all meet here. Register a factory in
/// <see cref="AgentCatalog"/> to make it reachable from <c>coopagent eval --agent NAME</c>.
/// </summary>
public interface IHouseholdAgent
{
    /// <summary>The catalog name (<c>oracle</c>, <c>literal</c>, <c>full</c>, ...).</summary>
    string Name { get; }

    /// <summary>Starts one episode. The returned object holds everything per episode (plan under way,
    /// belief), so one agent can run many episodes, one after another or side by side.</summary>
    IAgentEpisode BeginEpisode(EpisodeStart start);
}

/// <summary>
/// An agent that is told the true θ and the whole home (closed containers included). Only the oracle (the
/// upper bound and the demonstrator) may implement this; the runner calls this overload instead of
/// <see cref="IHouseholdAgent.BeginEpisode(EpisodeStart)"/>.
/// </summary>
public interface IOmniscientAgent : IHouseholdAgent
{
    IAgentEpisode BeginEpisode(EpisodeStart start, World home, ScenarioHypothesis truth);
}

/// <summary>One episode of one agent: called once per step until it says <c>done</c>.</summary>
public interface IAgentEpisode
{
    /// <summary>The agent's turn for this step. Must not throw on odd observations; a turn whose action
    /// does not parse is simply a failed step.</summary>
    ValueTask<AgentTurn> NextAsync(Observation observation, CancellationToken cancellationToken = default);
}

/// <summary>
/// What an agent knows when an episode starts: never the person's θ.
/// </summary>
/// <param name="ScenarioId">The scenario's id (for logs; agents must not branch on it).</param>
/// <param name="Instruction">What the person said.</param>
/// <param name="Person">Who gave the instruction (the one who answers questions).</param>
/// <param name="Hypotheses">The scenario's θ hypotheses with prior probabilities (and, per hypothesis, what
/// success means and the person's own words): the distribution the true θ was drawn from, which a
/// Bayesian agent starts its belief from. Which one is true is not said.</param>
/// <param name="StepLimit">Steps allowed; the episode ends there.</param>
/// <param name="QuestionCost">Utility cost of one question to this person (also in θ's weights).</param>
/// <param name="Seed">Seed for the agent's own randomness in this episode (not the seed θ was drawn with).</param>
/// <param name="Judge">The scenario's judge: sets goal_met on a (simulated) world and returns the verdict
/// under a hypothesis, so an agent can score a plan it simulated on <see cref="Observation.View"/>.</param>
public sealed record EpisodeStart(
    string ScenarioId,
    string Instruction,
    string Person,
    IReadOnlyList<ScenarioHypothesis> Hypotheses,
    int StepLimit,
    double QuestionCost,
    int Seed,
    Func<World, ScenarioHypothesis, ScenarioVerdict> Judge)
{
    /// <summary>The hypotheses as a prior.</summary>
    public PopulationPrior Prior { get; } = new(Hypotheses.Select(h => new WeightedReward(h.Theta, h.Probability)));
}

/// <summary>Who said a line of the dialogue.</summary>
public enum Speaker
{
    User,
    Assistant,
}

/// <summary>One line of the dialogue. <see cref="Choice"/> is set on a person's answer to a question that
/// listed options (<see cref="AgentTurn.Options"/>): the index chosen, or null for "I don't mind".</summary>
public sealed record DialogueTurn(Speaker Speaker, string Text, int? Choice = null);

/// <summary>
/// What the agent sees at one step.
/// </summary>
/// <param name="Step">0-based step number.</param>
/// <param name="Instruction">The person's instruction.</param>
/// <param name="Description"><c>World.Describe()</c> of what the robot can see (closed containers and
/// unobserved rooms hide their contents): the policy's <c>{observation}</c>.</param>
/// <param name="View">The world as the robot can see it (a copy: hidden items removed), for agents that
/// simulate candidate plans on <c>View.Clone()</c>.</param>
/// <param name="Dialogue">The dialogue so far, starting with the instruction as a user turn.</param>
/// <param name="LastResult">The simulator's result of the previous step; null at step 0.</param>
public sealed record Observation(
    int Step,
    string Instruction,
    string Description,
    World View,
    IReadOnlyList<DialogueTurn> Dialogue,
    StepResult? LastResult);

/// <summary>
/// The agent's turn: exactly one primitive action in the action language (<c>goto kitchen</c>,
/// <c>ask "..."</c>, <c>say "..."</c>, <c>done</c>). The rest is optional and only logged or used for
/// metrics.
/// </summary>
/// <param name="Action">The action the runner executes this step.</param>
/// <param name="Plan">The whole plan the agent intends from here (its first element is usually <see cref="Action"/>).</param>
/// <param name="Candidates">The candidate plans or replies it weighed.</param>
/// <param name="Explanation">Why (for transcripts).</param>
/// <param name="Options">For a question: the plans it offers to choose between, each as actions joined
/// by <c>; </c>. The simulated person then answers by simulating each; without options it reads the words.</param>
public sealed record AgentTurn(
    string Action,
    IReadOnlyList<string>? Plan = null,
    IReadOnlyList<string>? Candidates = null,
    string? Explanation = null,
    IReadOnlyList<string>? Options = null);
