using System.Collections.Concurrent;
using CoopAgent.Agent.Data;
using CoopAgent.Agent.Household;
using CoopAgent.Agent.Humans;
using CoopAgent.Agent.Scenarios;

namespace CoopAgent.Agent.Pipeline;

/// <summary>
/// The simulated person behind a training prompt (its <see cref="GoldContext"/>: scenario, true θ, actions
/// already taken): ranks K responses with ties, gives the gold reward of one response, and says whether a
/// response succeeded — came within a tolerance of what the oracle would have got. Parsed scenarios, the
/// home at the prompt and the oracle's value are cached per context.
/// </summary>
public sealed class PersonJudge
{
    private readonly ConcurrentDictionary<GoldContext, Situation> _situations = new();
    private readonly HumanOptions _options;

    public PersonJudge(HumanOptions? options = null) => _options = options ?? new HumanOptions();

    /// <summary>Ranks of <paramref name="responses"/> (0 best, equal = tie) as the person judges them.</summary>
    public int[] Rank(GoldContext context, IReadOnlyList<string> responses, int seed)
    {
        var s = Situate(context);
        return SimulatedHuman.For(s.Scenario, s.Truth, _options, seed).Rank(s.World, responses, s.StepsLeft);
    }

    /// <summary>θ's utility of doing <paramref name="response"/> from the prompt's state (the gold reward).</summary>
    public static double Gold(GoldContext context, string response) => GoldReward.Score(context, response);

    /// <summary>The oracle's gold from the prompt's state: the most any response could get.</summary>
    public double Best(GoldContext context) => Situate(context).Best;

    /// <summary>
    /// True when <paramref name="gold"/> captures at least three quarters of what the oracle gains over doing
    /// nothing (<c>done</c>) from the prompt's state — or, where doing nothing is already best, comes within 0.25
    /// of it. Measured against doing nothing because a home's utility has a large baseline that even an
    /// unparseable reply keeps.
    /// </summary>
    public bool Succeeded(GoldContext context, double gold)
    {
        var s = Situate(context);
        var gain = s.Best - s.Nothing;
        return gain <= 0.25 ? gold >= s.Best - 0.25 : gold >= s.Nothing + (0.75 * gain);
    }

    private Situation Situate(GoldContext context) => _situations.GetOrAdd(context, c =>
    {
        var scenario = ScenarioLoader.Parse(c.ScenarioJson);
        var truth = scenario.Hypothesis(c.Truth);
        var world = scenario.CreateWorld();
        foreach (var action in c.Prefix)
        {
            Simulator.Execute(world, action);
        }

        var stepsLeft = Math.Max(1, scenario.StepLimit - c.Prefix.Count);
        var best = SimulatedHuman.For(scenario, truth, _options, 0).BestPlan(world, stepsLeft).Utility;
        return new Situation(scenario, truth, world, stepsLeft, best, GoldReward.Score(c, "done"));
    });

    private sealed record Situation(Scenario Scenario, ScenarioHypothesis Truth, World World, int StepsLeft, double Best, double Nothing);
}
