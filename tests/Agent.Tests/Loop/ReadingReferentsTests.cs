using CoopAgent.Agent.Evaluation;
using CoopAgent.Agent.Loop;
using CoopAgent.Agent.Scenarios;

namespace CoopAgent.Agent.Tests.Loop;

/// <summary>
/// When the person's words fit several things in view ("the phone", "some fruit"), a plan the policy wrote for one
/// of them is read with each of the others too, so the belief chooses between them, or a question does.
/// </summary>
public class ReadingReferentsTests
{
    private static CooperativeEpisode Begin(Scenario scenario, CooperativeAgentOptions options, string sample) =>
        FirstDecision.Begin(scenario, new ScriptedPolicy(sample), options);

    private static Task<AgentTurn> FirstAsync(CooperativeEpisode episode, Scenario scenario) => FirstDecision.TakeAsync(episode, scenario);

    [Fact]
    public async Task The_phone_the_policy_took_is_read_as_either_phone_and_the_agent_asks_which()
    {
        // "Bring me the phone": a personal phone (its id is "phone") and a work phone. The policy takes "phone".
        var phone = BuiltinScenarios.Get("ref-the-phone");
        const string sample = "take phone; goto garden; give phone to hannah; done";

        var reading = Begin(phone, CooperativeAgentOptions.Default, sample);
        var turn = await FirstAsync(reading, phone);

        Assert.Contains(reading.LastCandidates, c => c.Text == "take work-phone; goto garden; give work-phone to hannah; done");
        Assert.StartsWith("ask ", turn.Action, StringComparison.Ordinal);
        Assert.Contains(turn.Options!, o => o.Contains("work-phone", StringComparison.Ordinal));

        var literal = Begin(phone, CooperativeAgentOptions.Default with { ReadReferents = false }, sample);
        Assert.Equal("take phone", (await FirstAsync(literal, phone)).Action);
    }

    [Fact]
    public async Task Some_fruit_is_read_as_each_fruit_in_view()
    {
        var fruit = BuiltinScenarios.Get("pref-fruit-for-grandma");
        var episode = Begin(fruit, CooperativeAgentOptions.Default, "take banana; goto sitting room; give banana to nana; done");

        await FirstAsync(episode, fruit);

        foreach (var other in new[] { "orange", "grapes" })
        {
            Assert.Contains(episode.LastCandidates, c => c.Text == $"take {other}; goto sitting room; give {other} to nana; done");
        }
    }

    [Fact]
    public async Task Coffee_is_read_as_the_decaf_coffee_too_once_the_cupboard_is_open()
    {
        // A decaf coffee is no coffee to the ontology (both are hot drinks), but "coffee" is the head of its name.
        var coffee = BuiltinScenarios.Get("pref-evening-coffee");
        var episode = Begin(coffee, CooperativeAgentOptions.Default, "take coffee; goto bedroom; give coffee to lena; done");
        var world = coffee.CreateWorld();
        world.FindById("cupboard")!.IsOpen = true;

        await FirstDecision.TakeAsync(episode, coffee, world);

        Assert.Contains(episode.LastCandidates, c => c.Text == "take decaf; goto bedroom; give decaf to lena; done");
    }

    [Fact]
    public async Task What_an_answer_names_is_read_like_the_instruction()
    {
        // "Take Nana something" names no kind; the answer "Some fruit, please." does.
        var fruit = BuiltinScenarios.Get("pref-fruit-for-grandma");
        var episode = Begin(fruit, CooperativeAgentOptions.Default, "take banana; goto sitting room; give banana to nana; done");
        await FirstDecision.TakeAsync(episode, fruit, instruction: "Take Nana something, would you?",
            dialogue: [new(Speaker.Assistant, "ask \"What would you like me to bring?\""), new(Speaker.User, "Some fruit, please.")]);

        Assert.Contains(episode.LastCandidates, c => c.Text == "take grapes; goto sitting room; give grapes to nana; done");
    }

    [Fact]
    public async Task A_thing_a_likely_hypothesis_wants_but_nobody_sees_is_read_from_the_nearest_closed_place()
    {
        // Only red wine is in view; a third of the belief says the guest is driving and wants sparkling water, a third
        // beer. The fridge is closed.
        var guest = BuiltinScenarios.Get("pref-guest-drink");
        var episode = Begin(guest, CooperativeAgentOptions.Default, "take red wine; goto dining room; give red wine to tomas; done");

        await FirstAsync(episode, guest);

        var water = Assert.Single(episode.LastCandidates, c => c.Text == "open fridge; take sparkling-water; goto dining room; give sparkling-water to tomas; done");
        Assert.Equal([new UnseenItem("fridge", "sparkling-water")], water.Imagined);
        Assert.Contains(episode.LastCandidates, c => c.Text == "open fridge; take beer; goto dining room; give beer to tomas; done");

        var literal = Begin(guest, CooperativeAgentOptions.Default with { ReadReferents = false }, "take red wine; goto dining room; give red wine to tomas; done");
        await FirstAsync(literal, guest);
        Assert.DoesNotContain(literal.LastCandidates, c => c.Text.StartsWith("open fridge", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_plan_that_gives_something_else_is_read_with_the_thing_the_person_asked_for_once_it_is_in_view()
    {
        // "Could you get me a yogurt?" The robot has opened the fridge (butter, eggs); the policy brings the butter.
        var yogurt = BuiltinScenarios.Get("hidden-yogurt-in-garage");
        const string butter = "take butter; goto living room; give butter to ola; done";
        var world = yogurt.CreateWorld();
        world.FindById("fridge")!.IsOpen = true;
        var unseen = Begin(yogurt, CooperativeAgentOptions.Default, butter);
        await FirstDecision.TakeAsync(unseen, yogurt, world);
        Assert.DoesNotContain(unseen.LastCandidates, c => c.Text.Contains("give yogurt", StringComparison.Ordinal));

        // Then the garage fridge, where the yogurt is.
        world.RobotRoom = "garage";
        world.FindById("garage-fridge")!.IsOpen = true;
        var seen = Begin(yogurt, CooperativeAgentOptions.Default, butter);
        await FirstDecision.TakeAsync(seen, yogurt, world);
        Assert.Contains(seen.LastCandidates, c => c.Text.Contains("take yogurt", StringComparison.Ordinal) && c.Text.EndsWith("give yogurt to ola; done", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_plan_about_something_the_words_do_not_leave_open_is_read_as_written()
    {
        // "Take Nana some fruit" says nothing about the newspaper, and the plan gives nothing: no other reading.
        var fruit = BuiltinScenarios.Get("pref-fruit-for-grandma");
        var episode = Begin(fruit, CooperativeAgentOptions.Default with { ReadInstruction = false }, "goto sitting room; take newspaper; put newspaper on table; done");

        await FirstAsync(episode, fruit);

        Assert.Equal(["done", "goto sitting room; take newspaper; put newspaper on table; done"], episode.LastCandidates.Select(c => c.Text).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_plan_that_gives_what_was_not_asked_for_is_read_with_each_thing_that_was()
    {
        // The policy takes Nana the newspaper; she was to have some fruit.
        var fruit = BuiltinScenarios.Get("pref-fruit-for-grandma");
        var episode = Begin(fruit, CooperativeAgentOptions.Default, "take newspaper; give newspaper to nana; done");

        await FirstAsync(episode, fruit);

        foreach (var thing in new[] { "banana", "orange", "grapes" })
        {
            Assert.Contains(episode.LastCandidates, c => c.Text == $"take {thing}; goto sitting room; give {thing} to nana; done");
        }
    }

    [Fact]
    public async Task When_the_words_ask_for_it_hot_a_plan_that_serves_it_cold_is_read_with_the_heating()
    {
        // "Make me a hot drink": the policy brings the tea from the closed cupboard, cold.
        var raj = BuiltinScenarios.Get("pref-hot-drink-raj");
        const string cold = "open cupboard; take tea; goto study; give tea to raj; done";
        var episode = Begin(raj, CooperativeAgentOptions.Default, cold);

        await FirstAsync(episode, raj);

        Assert.Contains(episode.LastCandidates, c => c.Text == "open cupboard; take tea; heat tea; goto study; give tea to raj; done");

        var notSaid = Begin(raj, CooperativeAgentOptions.Default, cold);
        await FirstDecision.TakeAsync(notSaid, raj, instruction: "Make me a drink when you get a sec.");
        Assert.DoesNotContain(notSaid.LastCandidates, c => c.Text.Contains("heat", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Dinner_is_a_cooked_meal_so_a_plan_that_serves_the_leftovers_cold_is_read_cooked()
    {
        // "I'm starving. Sort out dinner for me?" The policy brings the leftover curry from the fridge, cold.
        var sam = BuiltinScenarios.Get("pref-dinner-sam");
        var episode = Begin(sam, CooperativeAgentOptions.Default, "open fridge; take leftovers; goto lounge; give leftovers to sam; done");

        await FirstAsync(episode, sam);

        Assert.Contains(episode.LastCandidates, c => c.Text == "open fridge; take leftovers; cook leftovers; goto lounge; give leftovers to sam; done");
    }

    [Fact]
    public async Task An_answer_that_names_a_thing_by_a_word_of_its_name_is_read_into_the_policys_plan()
    {
        // "Bring a bottle of red for dinner." There is only white. Asked what to do: "White is fine." The policy
        // still brings the candle.
        var wine = BuiltinScenarios.Get("infeasible-white-not-red");
        var episode = Begin(wine, CooperativeAgentOptions.Default, "take candle; give candle to henrik; done");

        await FirstDecision.TakeAsync(episode, wine, null, null,
            new(Speaker.Assistant, "ask \"What would you like me to do?\""), new(Speaker.User, "White is fine."));

        Assert.Contains(episode.LastCandidates, c => c.Text.EndsWith("give white-wine to henrik; done", StringComparison.Ordinal));

        var unanswered = Begin(wine, CooperativeAgentOptions.Default, "take candle; give candle to henrik; done");
        await FirstAsync(unanswered, wine);
        Assert.DoesNotContain(unanswered.LastCandidates, c => c.Text.Contains("white-wine to henrik", StringComparison.Ordinal));
    }
}
