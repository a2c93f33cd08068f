using CoopAgent.Agent.Household;
using CoopAgent.Agent.Loop;
using CoopAgent.Agent.Scenarios;

namespace CoopAgent.Agent.Tests.Loop;

/// <summary>
/// The instruction as evidence about θ: a word names every kind it fits, so "coffee" is what a decaf drinker says
/// too, and only a narrower word ("decaf coffee") would have told them apart.
/// </summary>
public class SpeakerModelTests
{
    private const string ServeCoffee = "take coffee; goto bedroom; give coffee to lena; done";

    private static World OpenCupboard(Scenario scenario)
    {
        var world = scenario.CreateWorld();
        Assert.True(Simulator.Execute(world, new HouseholdAction(Verb.Open, "cupboard")).Ok);
        return world;
    }

    [Fact]
    public async Task Coffee_said_late_at_night_leaves_decaf_likely_and_the_agent_asks_before_serving_regular()
    {
        // Late evening, regular and decaf in the cupboard, the prior 50/50. Read as a choice of the kind itself,
        // "Coffee, please." would make decaf nearly impossible (a decaf drinker "would have said decaf").
        var coffee = BuiltinScenarios.Get("pref-evening-coffee");
        var episode = FirstDecision.Begin(coffee, new ScriptedPolicy(ServeCoffee));

        var turn = await FirstDecision.TakeAsync(episode, coffee, OpenCupboard(coffee));

        var decaf = episode.Belief.Probability("decaf");
        Assert.InRange(decaf, 0.25, 0.45);
        Assert.True(episode.Belief.Probability("regular") > decaf);
        Assert.StartsWith("ask ", turn.Action, StringComparison.Ordinal);
        Assert.Contains(turn.Options!, o => o.Contains("decaf", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_narrower_word_is_evidence_for_decaf()
    {
        var coffee = BuiltinScenarios.Get("pref-evening-coffee");
        var episode = FirstDecision.Begin(coffee, new ScriptedPolicy("take decaf; goto bedroom; give decaf to lena; done", ServeCoffee));

        await FirstDecision.TakeAsync(episode, coffee, OpenCupboard(coffee), "A decaf coffee, please.");

        Assert.True(episode.Belief.Probability("decaf") > 0.8, $"decaf {episode.Belief.Probability("decaf")}");
    }
}
