using CoopAgent.Agent.Evaluation;
using CoopAgent.Agent.Loop;
using CoopAgent.Agent.Scenarios;
using Microsoft.Extensions.AI;

namespace CoopAgent.Agent.Baselines;

/// <summary>
/// Calibrates the <c>conformal</c> baseline KnowNo-style: on each calibration scenario and each of its θ
/// hypotheses taken as the truth, the agent frames its first decision (policy samples scored under the prior
/// belief); the option score is P(candidate is best) under the belief, and the correct option is the candidate
/// that is best under the true θ. The nonconformity scores give q̂ (<see cref="ConformalPredictionSet"/>).
/// </summary>
public static class ConformalCalibration
{
    /// <summary>The calibration split: every other scenario in id order (the odd positions), so calibration and
    /// the rest of the suite never share a scenario.</summary>
    public static IReadOnlyList<Scenario> CalibrationSplit(IReadOnlyList<Scenario> scenarios)
    {
        ArgumentNullException.ThrowIfNull(scenarios);
        return scenarios.OrderBy(s => s.Id, StringComparer.Ordinal).Where((_, i) => i % 2 == 1).ToList();
    }

    public static async Task<ConformalPredictionSet> CalibrateAsync(
        IChatClient policy, IReadOnlyList<Scenario> split, double epsilon, CooperativeAgentOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(split);
        ArgumentNullException.ThrowIfNull(options);
        var framer = new CooperativeAgent("calibration", policy, options with { Asking = AskingRule.Never, RememberPeople = false });
        var scores = new List<double>();
        foreach (var scenario in split)
        {
            var world = scenario.CreateWorld();
            var observation = new Observation(0, scenario.Instruction, world.Describe(), RobotView.Of(world),
                [new DialogueTurn(Speaker.User, scenario.Instruction)], null);
            var episode = framer.BeginCooperativeEpisode(new EpisodeStart(scenario.Id, scenario.Instruction, scenario.Principal, scenario.Hypotheses,
                scenario.StepLimit, scenario.QuestionCost, scenario.Id.Length, scenario.Judge));
            var (problem, belief) = await episode.FrameAsync(observation, cancellationToken);
            var optionScores = CooperativeEpisode.BestActionProbabilities(problem, belief);
            var names = episode.Hypotheses.Names;
            foreach (var truth in scenario.Hypotheses)
            {
                var certain = names.Select(n => n == truth.Name ? 1.0 : 0.0).ToArray();
                scores.Add(optionScores[problem.Best(certain).Action]);
            }
        }

        return scores.Count == 0
            ? throw new InvalidOperationException("the calibration split holds no scenario")
            : ConformalPredictionSet.Calibrate(scores, epsilon);
    }
}
