using CoopAgent.Agent.Evaluation;
using CoopAgent.Agent.Household;
using CoopAgent.Agent.Planning;
using CoopAgent.Agent.Scenarios;

namespace CoopAgent.Agent.Tests.Household;

public class PlanGrammarTests
{
    /// <summary>Kitchen with a closed cupboard and a counter with a kettle and a mug; Dmitri in the living room; a cat.</summary>
    private static World Home(bool delivery = false)
    {
        var o = Ontology.Default;
        var world = new World(o, "kitchen");
        world.AddRoom("kitchen");
        world.AddRoom("living room");
        world.AddItem(new Item("cupboard", o["cupboard"], Location.InRoom("kitchen")) { IsOpen = false });
        world.AddItem(new Item("counter", o["counter"], Location.InRoom("kitchen")));
        world.AddItem(new Item("kettle", o["kettle"], Location.InContainer("counter")));
        world.AddItem(new Item("blue-cup", o["mug"], Location.InContainer("counter"), "blue cup"));
        world.AddItem(new Item("misty", o["cat"], Location.InRoom("kitchen")));
        world.AddPerson(new Person("dmitri", false, "living room"));
        if (delivery)
        {
            world.Delivery = new Delivery(true, 3, 30, ["pizza"]);
        }

        return world;
    }

    [Theory]
    [InlineData("goto living room; done")]
    [InlineData("take blue-cup; goto living room; give blue-cup to dmitri; done")]
    [InlineData("take blue cup; put blue cup in cupboard; done")]
    [InlineData("turn on kettle")]
    [InlineData("clean counter; done")]
    [InlineData("ask \"Would you like the blue cup or the kettle?\"")]
    [InlineData("ask \"Should dmitri have the blue-cup or the kettle or the blue cup?\"")]
    [InlineData("ask \"Shall I bring blue cup to dmitri, or clean blue cup?\"")]
    [InlineData("ask \"Shall I put blue cup in cupboard, or turn off kettle, or make the home safe?\"")]
    [InlineData("ask \"I can't do exactly that. Shall I serve blue cup to dmitri instead?\"")]
    [InlineData("say \"I can't find it.\"; done")]
    [InlineData("open cupboard; take tea; give tea to dmitri; done")]
    [InlineData("open cupboard; take iced-coffee; done")]
    [InlineData("take misty; done")]
    [InlineData("take blue cup; goto living room; give blue-cup to dmitri; done")]
    public void Plans_that_name_only_what_is_in_the_home_are_allowed(string plan) =>
        Assert.True(PlanGrammar.For(Home()).Accepts(plan), plan);

    [Fact]
    public void A_name_that_begins_another_is_a_whole_name_and_the_longer_one_too_but_not_what_lies_between()
    {
        // The tries keep each node's edges as a sorted run of characters: "cup" ends inside "cup of tea".
        var o = Ontology.Default;
        var world = new World(o, "kitchen");
        world.AddRoom("kitchen");
        world.AddItem(new Item("counter", o["counter"], Location.InRoom("kitchen")));
        world.AddItem(new Item("cup", o["mug"], Location.InContainer("counter"), "cup"));
        world.AddItem(new Item("cup-of-tea", o["mug"], Location.InContainer("counter"), "cup of tea"));
        world.AddItem(new Item("cupboard", o["cupboard"], Location.InRoom("kitchen")) { IsOpen = false });
        var grammar = PlanGrammar.For(world);

        Assert.All(["take cup; done", "take cup of tea; done", "take cup-of-tea; done", "open cupboard; take cup; done"], plan => Assert.True(grammar.Accepts(plan), plan));
        Assert.All(["take cup of; done", "take cu; done", "take cupboard; done", "take cup of teas; done"], plan => Assert.False(grammar.Accepts(plan), plan));
    }

    [Theory]
    [InlineData("give blue-cup to jo; done", "a person who is not there")]
    [InlineData("goto hallway; done", "a room the home does not have")]
    [InlineData("open box; done", "a container nobody owns")]
    [InlineData("open counter; done", "something that does not open")]
    [InlineData("take tea; done", "an unseen thing before anything was opened")]
    [InlineData("take counter; done", "a fixture")]
    [InlineData("turn on blue-cup", "something that is no appliance")]
    [InlineData("order pizza; done", "a delivery the home does not have")]
    [InlineData("take blue-cup;take kettle", "steps not joined by \"; \"")]
    [InlineData("fly away", "a verb the robot does not know")]
    [InlineData("give blue-cup to dmitri; done", "handing over what the robot does not hold")]
    [InlineData("take blue-cup; give kettle to dmitri; done", "handing over something other than what it took")]
    [InlineData("take blue-cup; give blue-cup to dmitri; give blue-cup to dmitri", "handing over the same thing twice")]
    [InlineData("ask \"Would you like the latte or the kombucha?\"", "a question offering things not in view")]
    [InlineData("ask \"Should jo have the blue cup or the kettle?\"", "a question about a person who is not there")]
    [InlineData("ask \"Shall I order pizza for dmitri, or wait?\"", "a question offering a delivery the home does not have")]
    [InlineData("ask \"Coffee or tea; which one?\"", "a question in free words, offering nothing the robot can do")]
    [InlineData("ask \"Would you like the blue cup?\"", "a question with one option")]
    [InlineData("ask \"Should dmitri have the misty or the blue cup?\"", "a question offering the cat")]
    public void Plans_that_name_what_is_not_there_are_refused(string plan, string why) =>
        Assert.False(PlanGrammar.For(Home()).Accepts(plan), why);

    [Fact]
    public void Only_the_menu_can_be_ordered_and_the_delivery_then_named()
    {
        var grammar = PlanGrammar.For(Home(delivery: true));
        Assert.True(grammar.Accepts("order pizza; take delivery-1; give delivery-1 to dmitri; done"));
        Assert.False(grammar.Accepts("order sushi; done"));
    }

    [Fact]
    public void Without_questions_only_plans_and_replies_are_allowed()
    {
        var plansOnly = PlanGrammar.For(Home(), questions: false);
        Assert.False(plansOnly.Accepts("ask \"Would you like the blue cup or the kettle?\""));
        Assert.True(plansOnly.Accepts("take blue-cup; goto living room; give blue-cup to dmitri; done"));
        Assert.True(plansOnly.Accepts("say \"I can't find it.\"; done"));
        Assert.NotSame(plansOnly, PlanGrammar.For(Home()));
    }

    [Fact]
    public void A_question_may_offer_the_menu_when_there_is_a_delivery() =>
        Assert.True(PlanGrammar.For(Home(delivery: true)).Accepts("ask \"Shall I order pizza for dmitri, or wait?\""));

    [Fact]
    public void The_person_giving_the_instruction_may_be_named_when_out_of_sight()
    {
        Assert.False(PlanGrammar.For(Home()).Accepts("take blue-cup; give blue-cup to anna; done"));
        Assert.True(PlanGrammar.For(Home(), ["Anna"]).Accepts("take blue-cup; give blue-cup to anna; done"));
    }

    [Fact]
    public void A_prefix_is_alive_until_it_can_no_longer_become_a_plan()
    {
        var grammar = PlanGrammar.For(Home());
        var state = grammar.Start;
        foreach (var character in "take blue")
        {
            state = grammar.Next(state, character);
            Assert.True(state >= 0);
        }

        Assert.False(grammar.CanEnd(state));
        Assert.Equal(-1, grammar.Next(state, 'x'));
        Assert.True(grammar.Next(state, '-') >= 0 && grammar.Next(state, ' ') >= 0, "both 'blue-cup' and 'blue cup' go on");
    }

    [Fact]
    public void Every_plan_the_planner_finds_is_allowed_in_built_in_and_generated_homes()
    {
        // The grammar must never forbid the right answer: the plans the oracle planner finds in every built-in home
        // and in homes the generator makes (rooms, names and kitchens nobody wrote by hand).
        foreach (var scenario in BuiltinScenarios.All().Concat(Enumerable.Range(0, 60).Select(i => CoopAgent.Agent.Data.HomeGenerator.Generate(4000 + i))))
        {
            var view = RobotView.Of(scenario.CreateWorld());
            var grammar = PlanGrammar.For(view, [scenario.Principal]);
            foreach (var plan in PlanEnumerator.Enumerate(view).Select(p => p.Plan.Text))
            {
                Assert.True(grammar.Accepts(plan), $"{scenario.Id}: {plan}");
            }
        }
    }

    [Fact]
    public void The_same_home_gets_the_same_grammar_and_a_changed_home_a_new_one()
    {
        var home = Home();
        var first = PlanGrammar.For(home);
        Assert.Same(first, PlanGrammar.For(Home()));

        home.FindById("cupboard")!.IsOpen = true;
        Assert.NotSame(first, PlanGrammar.For(home));
    }

    [Fact]
    public void The_characters_it_offers_are_exactly_those_it_accepts()
    {
        var grammar = PlanGrammar.For(Home());
        var state = grammar.Start;
        foreach (var character in "take blue-cup; ")
        {
            var offered = grammar.NextCharacters(state)!;
            Assert.Contains(character, offered);
            Assert.All(offered, c => Assert.True(grammar.Next(state, c) >= 0));
            Assert.DoesNotContain(Enumerable.Range(32, 95).Select(c => (char)c).Where(c => !offered.Contains(c)), c => grammar.Next(state, c) >= 0);
            state = grammar.Next(state, character);
        }
    }

    [Fact]
    public void Walking_into_a_room_not_seen_lets_a_plan_name_what_it_may_find_there()
    {
        var home = Home();
        home.AddRoom("study", observed: false);
        var grammar = PlanGrammar.For(home);

        Assert.True(grammar.Accepts("goto study; take glasses; goto living room; give glasses to dmitri; done"));
        Assert.False(grammar.Accepts("take glasses; done"));
        Assert.False(grammar.Accepts("goto living room; take glasses; done"));
    }
}
