using CoopAgent.Agent.Evaluation;
using CoopAgent.Agent.Household;
using Microsoft.Extensions.AI;

namespace CoopAgent.Agent.Baselines;

/// <summary>
/// The <c>policy</c> baseline: the policy's first sample, taken as it is, with no belief, no world model and no
/// gate. A plan is followed step by step; a question is asked as written; after an answer or a failed step the
/// policy is asked again. A sample that does not parse becomes <c>say "I don't know."</c> then <c>done</c>.
/// </summary>
public sealed class PolicyOnlyAgent(IChatClient policy, int maxOutputTokens = 96) : IHouseholdAgent
{
    public string Name => "policy";

    public IAgentEpisode BeginEpisode(EpisodeStart start)
    {
        ArgumentNullException.ThrowIfNull(start);
        return new Episode(policy, start.Seed, maxOutputTokens);
    }

    private sealed class Episode(IChatClient policy, int seed, int maxOutputTokens) : IAgentEpisode
    {
        private readonly Queue<string> _plan = new();
        private int _answersSeen = 1;

        public async ValueTask<AgentTurn> NextAsync(Observation observation, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(observation);
            // A new user turn (an answer) or a failed step: ask the policy again.
            var answers = observation.Dialogue.Count(d => d.Speaker == Speaker.User);
            if (observation.LastResult is { Ok: false } || answers > _answersSeen)
            {
                _plan.Clear();
                _answersSeen = answers;
            }

            if (_plan.Count == 0)
            {
                var messages = new List<ChatMessage> { new(ChatRole.System, observation.Description) };
                messages.AddRange(observation.Dialogue.Select(d => new ChatMessage(d.Speaker == Speaker.User ? ChatRole.User : ChatRole.Assistant, d.Text)));
                var options = new ChatOptions { MaxOutputTokens = maxOutputTokens, Seed = seed + (1000L * observation.Step) };
                var response = await policy.GetResponseAsync(messages, options, cancellationToken);
                var sample = response.Messages.FirstOrDefault(m => m.Role == ChatRole.Assistant)?.Text ?? "";
                var parsed = ActionParser.ParsePlan(sample);
                if (parsed.All(p => p.Ok))
                {
                    foreach (var action in parsed)
                    {
                        _plan.Enqueue(action.Action!.ToString());
                    }
                }
                else
                {
                    _plan.Enqueue("say \"I don't know.\"");
                    _plan.Enqueue("done");
                }
            }

            var next = _plan.Dequeue();
            return new AgentTurn(next, [next, .. _plan], Explanation: "The policy's first sample, as it is.");
        }
    }
}
