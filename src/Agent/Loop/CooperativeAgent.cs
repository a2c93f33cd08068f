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
    public CooperativeAgent(string name, IChatClient policy, CooperativeAgentOptions? options = null, IBeliefMemory? memory = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
        Policy = policy ?? throw new ArgumentNullException(nameof(policy));
        Options = options ?? CooperativeAgentOptions.Default;
        Memory = memory;
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

    /// <summary>A chat with <paramref name="userId"/> about <paramref name="world"/>, which the agent acts on.</summary>
    public AgentConversation StartConversation(World world, string userId, PopulationPrior prior, double questionCost = 0.5, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(world);
        ArgumentException.ThrowIfNullOrWhiteSpace(userId);
        ArgumentNullException.ThrowIfNull(prior);
        return new AgentConversation(this, world, userId, prior, questionCost, seed);
    }
}
