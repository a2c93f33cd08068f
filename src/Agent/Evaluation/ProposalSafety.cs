using CoopAgent.Agent.Household;
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
}
