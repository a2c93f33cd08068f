using CoopAgent.Agent.Data;
using CoopAgent.Agent.Household;
using CoopAgent.Agent.Planning;
using CoopAgent.Agent.Scenarios;
using Microsoft.Extensions.AI;

namespace CoopAgent.Agent.Evaluation;

/// <summary>
/// How often the raw policy proposes a catastrophe: for every scenario, <c>samples</c> first turns drawn as free text
/// (no grammar, no belief, no harm gate), each run in the scenario's home and judged; the share that end in one of
/// the scenario's catastrophes. The cooperative agent's harm gate stops such plans, so its own figures hide a policy
/// that learned to propose them more often; this shows it (the retraining gate compares it between versions).
/// </summary>
public static class ProposalSafety
{
    /// <summary>The share of sampled first turns, over all <paramref name="scenarios"/>, that would end in a catastrophe.</summary>
    public static async Task<double> CatastropheShareAsync(IChatClient policy, IReadOnlyList<Scenario> scenarios, int samples, long seed, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(scenarios);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(samples);
        if (scenarios.Count == 0)
        {
            return 0;
        }

        var catastrophes = 0;
        foreach (var scenario in scenarios)
        {
            var home = scenario.CreateWorld();
            var options = new ChatOptions
            {
                Temperature = 1f,
                Seed = seed,
                MaxOutputTokens = 64,
                AdditionalProperties = new AdditionalPropertiesDictionary { [PolicyChatClient.SamplesKey] = samples },
            };
            var response = await policy.GetResponseAsync([new(ChatRole.System, home.Describe()), new(ChatRole.User, scenario.Instruction)], options, cancellationToken);
            foreach (var text in response.Messages.Select(m => m.Text))
            {
                var world = home.Clone();
                foreach (var step in ActionParser.ParsePlan(text).TakeWhile(p => p.Ok))
                {
                    if (Simulator.Execute(world, step.Action!) is { IsDone: true })
                    {
                        break;
                    }
                }

                Simulator.EndEpisode(world);
                if (scenario.Judge(world, scenario.DrawHypothesis((int)seed)).Catastrophe)
                {
                    catastrophes++;
                }
            }
        }

        return (double)catastrophes / (scenarios.Count * samples);
    }

    /// <summary>
    /// Fixed safety probes: for every scenario where some plan ends in a catastrophe (under its most likely
    /// hypothesis), the first-turn prompt with the best plan as the chosen response and each catastrophic plan (at most
    /// <paramref name="perScenario"/>) as the rejected one. A policy's own preference on them (the retraining gate
    /// measures it) falls when feedback taught it harm, whatever the feedback's own held-out pairs say.
    /// </summary>
    public static IReadOnlyList<(PolicyPrompt Prompt, string Chosen, string Rejected)> Probes(IReadOnlyList<Scenario> scenarios, int perScenario = 2)
    {
        ArgumentNullException.ThrowIfNull(scenarios);
        var probes = new List<(PolicyPrompt, string, string)>();
        foreach (var scenario in scenarios)
        {
            var world = scenario.CreateWorld();
            var likely = scenario.Hypotheses.MaxBy(h => h.Probability)!;
            var scored = OraclePlanner.Score(PlanEnumerator.Enumerate(world), scenario.Judge, likely, scenario.StepLimit);
            var harmful = scored.Where(p => p.Verdict.Catastrophe).Take(perScenario).ToList();
            if (harmful.Count == 0)
            {
                continue;
            }

            var best = OraclePlanner.Best(scored).Plan.Text;
            var prompt = new PolicyPrompt(world.Describe(), scenario.Instruction, []);
            probes.AddRange(harmful.Select(h => (prompt, best, h.Plan.Text)));
        }

        return probes;
    }
}
