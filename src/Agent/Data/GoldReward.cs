using System.Collections.Concurrent;
using CoopAgent.Agent.Household;
using CoopAgent.Agent.Humans;
using CoopAgent.Agent.Scenarios;

namespace CoopAgent.Agent.Data;

/// <summary>
/// The programmatic gold reward: the utility, under the true θ, of simulating a response from the prompt's
/// state (<see cref="SimulatedHuman.ValueOfReply"/>: a plan is run and judged; a question is charged and then
/// followed by the best continuation; text that does not parse is failed steps). Used by PPO as the true
/// reward and by plots of gold against proxy (reward-model) reward.
/// </summary>
public static class GoldReward
{
    private static readonly ConcurrentDictionary<string, Scenario> Scenarios = new(StringComparer.Ordinal);

    public static double Score(GoldContext context, string response)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(response);
        var scenario = Scenarios.GetOrAdd(context.ScenarioJson, json => ScenarioLoader.Parse(json));
        var truth = scenario.Hypothesis(context.Truth);
        var world = scenario.CreateWorld();
        foreach (var action in context.Prefix)
        {
            Simulator.Execute(world, action);
        }

        var human = new SimulatedHuman(truth, scenario.Judge, new HumanOptions(double.PositiveInfinity), new Random(0));
        return human.ValueOfReply(world, response, Math.Max(1, scenario.StepLimit - context.Prefix.Count));
    }
}
