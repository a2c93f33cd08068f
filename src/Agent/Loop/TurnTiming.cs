using System.Diagnostics;
using CoopAgent.Agent.Evaluation;
using CoopAgent.Agent.Scenarios;
using Microsoft.Extensions.AI;

namespace CoopAgent.Agent.Loop;

/// <summary>
/// Times one decision of the <c>full</c> agent: a fresh episode of <c>canonical-cat</c> and its first turn
/// (K policy samples, parsing, the world model under every hypothesis, EVOI of the questions). The
/// measurement behind <c>coopagent bench --only agent</c>.
/// </summary>
public static class TurnTiming
{
    /// <summary>Milliseconds per decision, after <paramref name="warmup"/> untimed ones.</summary>
    public static async Task<IReadOnlyList<double>> MeasureAsync(IChatClient policy, int decisions, int warmup, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(decisions);
        var scenario = BuiltinScenarios.Get("canonical-cat");
        var agent = new CooperativeAgent("full", policy);
        var times = new List<double>(decisions);
        for (var i = 0; i < warmup + decisions; i++)
        {
            var world = scenario.CreateWorld();
            var observation = new Observation(0, scenario.Instruction, world.Describe(), RobotView.Of(world),
                [new DialogueTurn(Speaker.User, scenario.Instruction)], null);
            var clock = Stopwatch.StartNew();
            var episode = agent.BeginEpisode(new EpisodeStart(scenario.Id, scenario.Instruction, scenario.Principal, scenario.Hypotheses,
                scenario.StepLimit, scenario.QuestionCost, i, scenario.Judge));
            await episode.NextAsync(observation, cancellationToken);
            if (i >= warmup)
            {
                times.Add(clock.Elapsed.TotalMilliseconds);
            }
        }

        return times;
    }

    /// <summary>The q-quantile by the nearest-rank method (q in [0, 1]).</summary>
    public static double Percentile(IReadOnlyList<double> values, double q)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0)
        {
            throw new ArgumentException("no values", nameof(values));
        }

        var sorted = values.Order().ToArray();
        var rank = (int)Math.Ceiling(q * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }
}
