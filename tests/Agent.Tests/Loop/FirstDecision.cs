using CoopAgent.Agent.Evaluation;
using CoopAgent.Agent.Household;
using CoopAgent.Agent.Loop;
using CoopAgent.Agent.Scenarios;
using Microsoft.Extensions.AI;

namespace CoopAgent.Agent.Tests.Loop;

/// <summary>One decision of the <c>full</c> agent in a built-in scenario, over a test policy: the episode and its first turn.</summary>
internal static class FirstDecision
{
    public static CooperativeEpisode Begin(Scenario scenario, IChatClient policy, CooperativeAgentOptions? options = null) =>
        new CooperativeAgent("full", policy, options ?? CooperativeAgentOptions.Default).BeginCooperativeEpisode(new EpisodeStart(
            scenario.Id, scenario.Instruction, scenario.Principal, scenario.Hypotheses, scenario.StepLimit, scenario.QuestionCost, 1, scenario.Judge));

    /// <summary>The first turn in <paramref name="world"/> (the scenario's own home when null), after the instruction and
    /// any <paramref name="dialogue"/>; <paramref name="instruction"/> replaces the scenario's words.</summary>
    public static async Task<AgentTurn> TakeAsync(CooperativeEpisode episode, Scenario scenario, World? world = null, string? instruction = null, params DialogueTurn[] dialogue)
    {
        var home = world ?? scenario.CreateWorld();
        var words = instruction ?? scenario.Instruction;
        return await episode.NextAsync(new Observation(0, words, home.Describe(), RobotView.Of(home), [new(Speaker.User, words), .. dialogue], null));
    }
}
