using CoopAgent.Agent.Evaluation;
using CoopAgent.Agent.Loop;
using CoopAgent.Agent.Scenarios;
using Microsoft.Extensions.AI;

namespace CoopAgent.Agent.Tests.Loop;

/// <summary>
/// When the policy asks before it acts, the agent also samples what the policy would do after each answer its
/// question could get, so the question comes with plans to choose between.
/// </summary>
public class ImaginedAnswerTests
{
    private static readonly Scenario TwoCups = BuiltinScenarios.Get("ref-two-cups");
    private const string Question = "ask \"Would you like the red cup or the blue cup?\"";

    [Theory]
    [InlineData("Would you like the tea or the coffee?", "The tea, please.|The coffee, please.")]
    [InlineData("Should nana have the grapes or the banana or the grapes?", "The grapes, please.|The banana, please.")]
    [InlineData("Shall I heat soup for priya, or order pizza for priya?", "Heat soup for priya, please.|Order pizza for priya, please.")]
    [InlineData("I can't do exactly that. Shall I serve water to pavel instead?", "Yes, please.")]
    [InlineData("What would you like?", "")]
    [InlineData("Would you like the tea?", "")]
    public void Each_option_offered_gets_one_answer_in_a_persons_words(string question, string answers) =>
        Assert.Equal(answers.Length == 0 ? [] : answers.Split('|'), ImaginedAnswer.For(question));

    [Theory]
    [InlineData("I can't do exactly that. Shall I serve water to pavel instead?", "I can't do exactly that.")]
    [InlineData("Would you like the tea or the coffee?", null)]
    public void The_statement_before_a_substitute_offer_can_be_said_alone(string question, string? statement) =>
        Assert.Equal(statement, ImaginedAnswer.Statement(question));

    [Fact]
    public async Task Saying_that_it_cannot_be_done_is_a_candidate_when_the_policy_offers_a_substitute()
    {
        var milk = BuiltinScenarios.Get("infeasible-no-milk");
        var episode = FirstDecision.Begin(milk, new ScriptedPolicy("ask \"I can't do exactly that. Shall I serve glass to pavel instead?\""));

        await FirstDecision.TakeAsync(episode, milk);

        Assert.Contains(episode.LastCandidates, c => c.Text == "say \"I can't do exactly that.\"; done");
    }

    [Fact]
    public async Task A_question_from_the_policy_comes_with_its_plans_after_each_answer()
    {
        var policy = new AnswerAwarePolicy();
        var truth = TwoCups.Hypotheses.Single(h => h.Name == "blue");

        var result = await EpisodeRunner.RunAsync(new CooperativeAgent("full", policy), TwoCups, 3, truth: truth);

        var asked = result.Steps[0].Turn;
        Assert.StartsWith("ask ", asked.Action, StringComparison.Ordinal);
        Assert.Contains(asked.Options!, o => o.Contains("red cup", StringComparison.Ordinal) || o.Contains("red-cup", StringComparison.Ordinal));
        Assert.Contains(asked.Options!, o => o.Contains("blue cup", StringComparison.Ordinal) || o.Contains("blue-cup", StringComparison.Ordinal));
        Assert.Contains(policy.Prompts, p => p[^2].Text == Question && p[^1].Text == "The blue cup, please.");
        Assert.True(result.Verdict.Success, string.Join(" | ", result.Steps.Select(s => s.Turn.Action)));
    }

    [Fact]
    public async Task Without_imagined_answers_a_question_with_no_plan_behind_it_is_asked_openly()
    {
        // (The instruction is not read as a plan here: only the policy proposes.)
        var agent = new CooperativeAgent("full", new AnswerAwarePolicy(), CooperativeAgentOptions.Default with { ImagineAnswers = false, ReadInstruction = false });

        var result = await EpisodeRunner.RunAsync(agent, TwoCups, 3);

        // It looks into the closed dishwasher within reach first; nothing there changes the policy's mind.
        Assert.Equal(["open dishwasher", "ask \"What would you like me to do?\""], result.Steps.Take(2).Select(s => s.Turn.Action));
    }

    [Fact]
    public async Task When_no_answer_leads_anywhere_and_plans_alone_do_not_either_it_asks_openly()
    {
        // Every sample asks and nothing after any answer is worth more than stopping.
        var policy = new ScriptedPolicy(Question);

        var result = await EpisodeRunner.RunAsync(new CooperativeAgent("full", policy, CooperativeAgentOptions.Default with { ReadInstruction = false }), TwoCups, 3);

        Assert.Equal(["open dishwasher", "ask \"What would you like me to do?\""], result.Steps.Take(2).Select(s => s.Turn.Action));

        // One decision: the first request, one per imagined answer, then one more without questions in the grammar.
        var once = new ScriptedPolicy(Question);
        await FirstDecision.TakeAsync(FirstDecision.Begin(TwoCups, once), TwoCups);
        Assert.Equal(4, once.Requests);
        Assert.Equal(["The red cup, please.", "The blue cup, please."], once.Prompts.Skip(1).Take(2).Select(p => p[^1].Text));
    }

    /// <summary>Asks which cup, and after an answer naming a cup puts that cup in the dishwasher.</summary>
    private sealed class AnswerAwarePolicy : IChatClient
    {
        public List<IReadOnlyList<ChatMessage>> Prompts { get; } = [];

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            var prompt = messages.ToList();
            Prompts.Add(prompt);
            var n = options?.AdditionalProperties?.TryGetValue("n", out var value) == true && value is int k ? k : 1;
            var last = prompt[^1].Text;
            var turn = last.Contains("red cup", StringComparison.Ordinal) ? "take red-cup; open dishwasher; put red-cup in dishwasher; done"
                : last.Contains("blue cup", StringComparison.Ordinal) ? "take blue-cup; open dishwasher; put blue-cup in dishwasher; done"
                : Question;
            return Task.FromResult(new ChatResponse(Enumerable.Range(0, n).Select(_ => new ChatMessage(ChatRole.Assistant, turn)).ToList()));
        }

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException("the loop does not stream");

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
