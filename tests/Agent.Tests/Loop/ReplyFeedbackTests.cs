using CoopAgent.Agent.Belief;
using CoopAgent.Agent.Evaluation;
using CoopAgent.Agent.Loop;
using CoopAgent.Agent.Planning;
using CoopAgent.Agent.Scenarios;

namespace CoopAgent.Agent.Tests.Loop;

/// <summary>Compare, rank and correction feedback move the live belief: a preferred reply is evidence for the
/// hypotheses under which it is better. In the cat scenario the parent either wants food ordered ("order-food") or
/// no money spent ("wait-for-me").</summary>
public class ReplyFeedbackTests
{
    private static readonly Scenario Cat = BuiltinScenarios.Get("canonical-cat");
    private static readonly IReadOnlyList<CandidatePlan> Plans = PlanEnumerator.Enumerate(RobotView.Of(Cat.CreateWorld())).Select(p => p.Plan).ToList();
    private static readonly string Order = Plans.First(p => p.Kind == GoalKind.Order && p.Goal.Contains("pizza")).Text;
    private static readonly string Wait = Plans.First(p => p.Kind == GoalKind.Wait).Text;
    private static readonly string CookCat = Plans.First(p => p.Kind == GoalKind.Cook && p.ItemId == "misty").Text;

    /// <summary>A chat whose first message got a turn (a question: the hypotheses disagree); the belief is still even.</summary>
    private static async Task<AgentConversation> AfterFirstTurnAsync(InMemoryBeliefMemory? memory = null)
    {
        var agent = new CooperativeAgent("full", new ScriptedPolicy(Order, CookCat, Wait), CooperativeAgentOptions.Default, memory);
        var chat = agent.StartConversation(Cat.CreateWorld(), "anna", Cat.Prior, Cat.QuestionCost, seed: 1);
        await chat.SendAsync(Cat.Instruction);
        return chat;
    }

    private static double WaitForMe(AgentConversation chat) => chat.Belief.First(b => b.Name == "wait-for-me").Probability;

    [Fact]
    public async Task Preferring_waiting_over_ordering_moves_the_belief_to_the_parent_who_wants_no_order_and_the_opposite_choice_the_other_way()
    {
        var wait = await AfterFirstTurnAsync();
        var before = WaitForMe(wait);
        Assert.True(wait.Compare(Order, Wait, ReplyChoice.Second));
        Assert.True(WaitForMe(wait) > before + 0.05, $"{before} → {WaitForMe(wait)}");

        var order = await AfterFirstTurnAsync();
        Assert.True(order.Compare(Order, Wait, ReplyChoice.First));
        Assert.True(WaitForMe(order) < before - 0.05, $"{before} → {WaitForMe(order)}");
    }

    [Fact]
    public async Task A_tie_between_replies_every_hypothesis_values_alike_changes_nothing_and_both_bad_counts_against_what_they_share()
    {
        var tie = await AfterFirstTurnAsync();
        var before = WaitForMe(tie);
        Assert.True(tie.Compare(Wait, Wait + " ", ReplyChoice.Tie));
        Assert.Equal(before, WaitForMe(tie), 6);

        // Ordering costs money: calling it worse than doing nothing is what the no-money parent would say.
        var bad = await AfterFirstTurnAsync();
        Assert.True(bad.Compare(Order, CookCat, ReplyChoice.BothBad));
        Assert.True(WaitForMe(bad) > before + 0.05, $"{before} → {WaitForMe(bad)}");
    }

    [Fact]
    public async Task A_ranking_counts_every_pair_and_is_stored_in_the_persons_memory()
    {
        var memory = new InMemoryBeliefMemory();
        var chat = await AfterFirstTurnAsync(memory);
        var before = WaitForMe(chat);

        Assert.True(chat.Rank([Order, Wait, CookCat], [2, 1, 3]));

        Assert.True(WaitForMe(chat) > before + 0.05, $"{before} → {WaitForMe(chat)}");
        Assert.Equal(WaitForMe(chat), memory.Load("anna")!.Probabilities["wait-for-me"], 9);
        Assert.Throws<ArgumentException>(() => chat.Rank([Order, Wait], [1]));
    }

    [Fact]
    public async Task A_correction_is_stronger_evidence_than_a_comparison_and_is_read_with_its_presupposed_steps()
    {
        var compared = await AfterFirstTurnAsync();
        compared.Compare(Order, Wait, ReplyChoice.Second);
        var corrected = await AfterFirstTurnAsync();
        Assert.True(corrected.Correct(Wait, [Order, CookCat]));
        Assert.True(WaitForMe(corrected) > WaitForMe(compared), $"correction {WaitForMe(corrected)} vs comparison {WaitForMe(compared)}");

        var polite = await AfterFirstTurnAsync();
        var before = WaitForMe(polite);
        Assert.True(polite.Correct("Please order pizza.", [Wait]));
        Assert.True(WaitForMe(polite) < before - 0.05, $"{before} → {WaitForMe(polite)}");
    }

    [Fact]
    public async Task Feedback_on_replies_that_are_not_robot_actions_or_before_any_message_leaves_the_belief_alone()
    {
        var chat = await AfterFirstTurnAsync();
        var before = WaitForMe(chat);
        Assert.False(chat.Compare("blah blah", "fly to the moon", ReplyChoice.First));
        Assert.False(chat.Rank(["zzz", Wait], [1, 2]));
        Assert.False(chat.Correct("you should have known", [Order]));
        Assert.Equal(before, WaitForMe(chat), 12);

        var fresh = new CooperativeAgent("full", new ScriptedPolicy(Order)).StartConversation(Cat.CreateWorld(), "bo", Cat.Prior);
        Assert.False(fresh.Compare(Order, Wait, ReplyChoice.First));
        Assert.False(fresh.Correct(Wait, []));
    }
}
