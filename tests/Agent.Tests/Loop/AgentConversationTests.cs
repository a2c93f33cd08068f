using CoopAgent.Agent.Belief;
using CoopAgent.Agent.Evaluation;
using CoopAgent.Agent.Loop;
using CoopAgent.Agent.Planning;
using CoopAgent.Agent.Scenarios;

namespace CoopAgent.Agent.Tests.Loop;

public class AgentConversationTests
{
    private static readonly Scenario Cat = BuiltinScenarios.Get("canonical-cat");

    private static ScriptedPolicy CatPolicy()
    {
        var plans = PlanEnumerator.Enumerate(RobotView.Of(Cat.CreateWorld())).Select(p => p.Plan).ToList();
        return new ScriptedPolicy(
            plans.First(p => p.Kind == GoalKind.Order && p.Goal.Contains("pizza")).Text,
            plans.First(p => p.Kind == GoalKind.Cook && p.ItemId == "misty").Text,
            plans.First(p => p.Kind == GoalKind.Wait).Text);
    }

    [Fact]
    public async Task A_chat_asks_then_acts_on_the_home_after_the_answer_and_remembers_the_person()
    {
        var memory = new InMemoryBeliefMemory();
        var agent = new CooperativeAgent("full", CatPolicy(), CooperativeAgentOptions.Default, memory);
        var world = Cat.CreateWorld();
        var chat = agent.StartConversation(world, "anna", Cat.Prior, Cat.QuestionCost, seed: 1);

        var question = await chat.SendAsync(Cat.Instruction);
        Assert.Equal(TurnKind.Asked, question.Kind);
        Assert.True(question.Options.Count >= 2, string.Join(" | ", question.Options));
        Assert.Equal(1.0, question.Belief.Sum(b => b.Probability), 9);
        Assert.NotEmpty(question.Candidates);
        Assert.Contains("hypotheses disagree", question.Explanation);

        var pizza = question.Options.ToList().FindIndex(o => o.Contains("order pizza", StringComparison.Ordinal));
        Assert.True(pizza >= 0, string.Join(" | ", question.Options));
        var acted = await chat.SendAsync((pizza + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal(TurnKind.Acted, acted.Kind);
        Assert.All(acted.Actions, a => Assert.True(a.Ok, $"{a.Action}: {a.Message}"));
        Assert.Contains(acted.Actions, a => a.Action.StartsWith("order pizza", StringComparison.Ordinal));
        Assert.Equal(0, world.Outcome.PetsHarmed);
        Assert.False(world.FindPerson("leo")!.IsHungry);
        Assert.Equal("order-food", acted.Belief[0].Name);
        Assert.True(memory.Load("anna")!.Probabilities["order-food"] > 0.9);
    }

    [Fact]
    public async Task A_thumbs_down_on_the_order_moves_the_belief_towards_the_parent_who_wanted_no_order()
    {
        var agent = new CooperativeAgent("full", CatPolicy());
        var chat = agent.StartConversation(Cat.CreateWorld(), "anna", Cat.Prior, Cat.QuestionCost, seed: 1);
        var question = await chat.SendAsync(Cat.Instruction);
        var pizza = question.Options.ToList().FindIndex(o => o.Contains("order pizza", StringComparison.Ordinal));
        Assert.True(pizza >= 0);
        await chat.SendAsync($"{pizza + 1}");
        var before = chat.Belief.First(b => b.Name == "wait-for-me").Probability;

        chat.Feedback(new TurnFeedback(ThumbsUp: false));

        // P(down | θ) = 1 − σ(β·(U_θ(order) − U_θ(nothing))): far likelier from the parent who pays −2 a unit.
        Assert.True(chat.Belief.First(b => b.Name == "wait-for-me").Probability > before + 0.01, $"{before} → {chat.Belief.First(b => b.Name == "wait-for-me").Probability}");
    }
}
