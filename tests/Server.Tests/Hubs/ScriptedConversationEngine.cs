using System.Runtime.CompilerServices;
using System.Text.Json;
using CoopAgent.Server.Sessions;

namespace CoopAgent.Server.Tests.Hubs;

/// <summary>
/// A deterministic engine for hub-mechanics tests only (streaming, limits, feedback, isolation): it follows a
/// fixed script so the tests can assert exact events. The real server uses CooperativeConversationEngine.
/// "thirsty" → a question with options; "water"/"juice" → streamed reply, actions, belief; "slow" → tokens
/// until cancelled; "boom" → the engine throws mid-turn.
/// </summary>
internal sealed class ScriptedConversationEngine : IConversationEngine
{
    public PolicyInfo Policy { get; } = new("scripted-1", Trained: false, Source: "test script");

    public IReadOnlyList<ScenarioSummary> Scenarios { get; } = [new("thirsty-tom", "Thirsty Tom", "Tom is thirsty.")];

    /// <summary>Every feedback the conversations were given to learn from, in order (lock it to read).</summary>
    public List<ConversationFeedback> Learned { get; } = [];

    public Task<IConversation> StartAsync(string userId, SessionStart start, CancellationToken cancellationToken)
    {
        switch (start.Source)
        {
            case HouseholdSource.Builtin when start.ScenarioId != "thirsty-tom":
                throw new ConversationRejectedException($"Unknown scenario '{start.ScenarioId}'.");
            case HouseholdSource.Upload:
                try
                {
                    using var doc = JsonDocument.Parse(start.ScenarioJson!);
                    if (!doc.RootElement.TryGetProperty("id", out _))
                    {
                        throw new ConversationRejectedException("$.id: required");
                    }
                }
                catch (JsonException e)
                {
                    throw new ConversationRejectedException("not JSON: " + e.Message);
                }

                break;
        }

        return Task.FromResult<IConversation>(new Conversation(Policy.Version, start.Source == HouseholdSource.Free ? "Free household" : "Thirsty Tom", Learned));
    }

    private sealed class Conversation(string version, string title, List<ConversationFeedback> learned) : IConversation
    {
        private static readonly string[] Candidates = ["say \"Bringing you water.\"", "say \"Here is juice.\"", "goto kitchen; done"];

        public string Title { get; } = title;

        public string? Instruction => "Tom is thirsty.";

        public HomeView Home { get; private set; } = new("hall", [], [
            new RoomView("kitchen", [new ContainerView("fridge", false, ["water", "juice"])], ["cup"], [], ["cat"]),
            new RoomView("living room", [], [], ["tom"], []),
        ]);

        public BeliefView Belief { get; private set; } = new([new("likes water", 0.5), new("likes juice", 0.5)], null);

        public async IAsyncEnumerable<ConversationEvent> RespondAsync(string message, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await Task.Yield();
            if (message.Contains("boom", StringComparison.Ordinal))
            {
                yield return new ReplyToken("Let me ");
                throw new InvalidOperationException("scripted failure");
            }

            if (message.Contains("slow", StringComparison.Ordinal))
            {
                for (var i = 0; ; i++)
                {
                    await Task.Delay(20, cancellationToken);
                    yield return new ReplyToken($"t{i} ");
                }
            }

            if (message.Contains("thirsty", StringComparison.OrdinalIgnoreCase))
            {
                Belief = Belief with { Reason = "Water and juice are equally likely; asking is worth more than guessing." };
                yield return new BeliefUpdated(Belief);
                yield return new QuestionAsked("Water or juice?", ["water", "juice"], Belief.Reason!);
                yield return new TurnCompleted(new TurnTranscript("<obs>kitchen<user>" + message, Candidates, 0, "ask \"Water or juice?\"", "question", version));
                yield break;
            }

            var drink = message.Contains("juice", StringComparison.Ordinal) ? "juice" : "water";
            foreach (var token in new[] { "Bringing", " you", " " + drink, "." })
            {
                yield return new ReplyToken(token);
            }

            Belief = new BeliefView([new("likes water", drink == "water" ? 0.9 : 0.1), new("likes juice", drink == "water" ? 0.1 : 0.9)], null);
            yield return new BeliefUpdated(Belief);
            Home = Home with { RobotRoom = "living room" };
            yield return new ActionsExecuted([new("goto kitchen", true, "ok"), new($"give {drink} to tom", true, "ok")], Home);
            yield return new TurnCompleted(new TurnTranscript("<obs>kitchen<user>" + message, Candidates, 0, $"say \"Bringing you {drink}.\"", "say", version));
        }

        /// <summary>Moves the belief a fixed step towards water for any feedback that prefers a water reply, so the
        /// hub's push of BeliefChanged can be seen; a thumbs up teaches nothing here.</summary>
        public BeliefView? ApplyFeedback(ConversationFeedback feedback)
        {
            lock (learned)
            {
                learned.Add(feedback);
            }

            if (feedback is ThumbsFeedback { Up: true })
            {
                return null;
            }

            Belief = new BeliefView([new("likes water", 0.8), new("likes juice", 0.2)], null);
            return Belief;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
