using CoopAgent.Agent.Baselines;
using CoopAgent.Agent.Belief;
using CoopAgent.Agent.Evaluation;
using CoopAgent.Agent.Household;
using CoopAgent.Agent.Humans;
using Microsoft.Extensions.AI;

namespace CoopAgent.Agent.Loop;

/// <summary>
/// The cooperative agent (<c>full</c>) and, with another <see cref="AskingRule"/>, its baselines. It holds a
/// belief over the person's hidden reward, samples candidate turns from the policy through an
/// <see cref="IChatClient"/>, scores each in the world model under every hypothesis, asks when a question is
/// worth more than acting, and runs every robot action through Semantic Kernel so the harm gate sees it.
/// One instance serves many episodes and conversations; each keeps its own state.
/// </summary>
public sealed class CooperativeAgent : IHouseholdAgent
{
    private readonly Lazy<Task<ConformalPredictionSet>>? _conformal;

    /// <param name="name">Catalog name.</param>
    /// <param name="policy">The policy behind Microsoft.Extensions.AI (PolicyChatClient).</param>
    /// <param name="options">Knobs; the asking rule picks the cooperative agent or a baseline.</param>
    /// <param name="memory">Per-person posteriors across episodes; null: none.</param>
    /// <param name="calibrate">For <see cref="AskingRule.Conformal"/> without <see cref="CooperativeAgentOptions.Conformal"/>:
    /// builds the prediction set once, on first use (it samples the policy, so it runs where the policy runs).</param>
    public CooperativeAgent(string name, IChatClient policy, CooperativeAgentOptions? options = null, IBeliefMemory? memory = null,
        Func<CancellationToken, Task<ConformalPredictionSet>>? calibrate = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
        Policy = policy ?? throw new ArgumentNullException(nameof(policy));
        Options = options ?? CooperativeAgentOptions.Default;
        Memory = memory;
        _conformal = Options.Conformal is { } ready
            ? new Lazy<Task<ConformalPredictionSet>>(Task.FromResult(ready))
            : calibrate is null ? null : new Lazy<Task<ConformalPredictionSet>>(() => calibrate(CancellationToken.None));
    }

    public string Name { get; }

    public IChatClient Policy { get; }

    public CooperativeAgentOptions Options { get; }

    /// <summary>Per-person posteriors; null: every episode starts from its prior.</summary>
    public IBeliefMemory? Memory { get; }

    public IAgentEpisode BeginEpisode(EpisodeStart start) => BeginCooperativeEpisode(start);

    /// <summary>The episode with its belief exposed (tests, conversations).</summary>
    public CooperativeEpisode BeginCooperativeEpisode(EpisodeStart start, World? actOn = null)
    {
        ArgumentNullException.ThrowIfNull(start);
        return new CooperativeEpisode(this, start, actOn);
    }

    /// <summary>The conformal baseline's prediction set: the one in the options, else calibrated once on first use.</summary>
    public Task<ConformalPredictionSet> ConformalAsync(CancellationToken cancellationToken) =>
        _conformal is { } set
            ? set.Value.WaitAsync(cancellationToken)
            : throw new InvalidOperationException("the conformal rule needs a prediction set or a calibration");

    /// <summary>A chat with <paramref name="userId"/> about <paramref name="world"/>, which the agent acts on.</summary>
    public AgentConversation StartConversation(World world, string userId, PopulationPrior prior, double questionCost = 0.5, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(world);
        ArgumentException.ThrowIfNullOrWhiteSpace(userId);
        ArgumentNullException.ThrowIfNull(prior);
        return new AgentConversation(this, world, userId, prior, questionCost, seed);
    }
}
