using CoopAgent.Agent.Household;

namespace CoopAgent.Agent.Tests.Household;

public class ActionParserTests
{
    [Theory]
    [InlineData("goto kitchen", Verb.Goto, "kitchen", "", "")]
    [InlineData("Go to the living room.", Verb.Goto, "the living room", "", "")]
    [InlineData("pick up the red cup", Verb.Take, "the red cup", "", "")]
    [InlineData("put the cup of tea on the table", Verb.Put, "the cup of tea", "the table", "on")]
    [InlineData("put milk into fridge", Verb.Put, "milk", "fridge", "in")]
    [InlineData("serve coffee to alice", Verb.Give, "coffee", "alice", "to")]
    [InlineData("pour milk in the mug", Verb.Pour, "milk", "the mug", "into")]
    [InlineData("throw away the old milk", Verb.Dispose, "the old milk", "", "")]
    [InlineData("switch off the hob", Verb.TurnOff, "the hob", "", "")]
    [InlineData("order pizza", Verb.Order, "pizza", "", "")]
    [InlineData("WAIT", Verb.Wait, "", "", "")]
    public void Actions_and_their_aliases_parse(string text, Verb verb, string thing, string target, string preposition)
    {
        var parsed = ActionParser.Parse(text);
        Assert.True(parsed.Ok, parsed.Error);
        Assert.Equal(new HouseholdAction(verb, thing, target, preposition), parsed.Action);
    }

    [Fact]
    public void Quoted_text_keeps_its_case_and_punctuation_and_plans_split_outside_quotes()
    {
        var plan = ActionParser.ParsePlan("goto kitchen; ask \"Tea; or coffee?\"\nsay “I don't know.”; done");
        Assert.Equal([Verb.Goto, Verb.Ask, Verb.Say, Verb.Done], plan.Select(p => p.Action!.Verb));
        Assert.Equal("Tea; or coffee?", plan[1].Action!.Text);
        Assert.Equal("I don't know.", plan[2].Action!.Text);
    }

    [Theory]
    [InlineData("goto kitchen")]
    [InlineData("put the milk in the fridge")]
    [InlineData("give red cup to leo")]
    [InlineData("pour milk into mug")]
    [InlineData("turn on stove")]
    [InlineData("ask \"Which cup?\"")]
    public void The_canonical_form_parses_back_to_the_same_action(string text)
    {
        var action = ActionParser.Parse(text).Action!;
        Assert.Equal(action, ActionParser.Parse(action.ToString()).Action);
    }

    [Theory]
    [InlineData("", "empty action")]
    [InlineData("give milk", "give needs the form give X to PERSON")]
    [InlineData("put in fridge", "put needs the form")]
    [InlineData("say", "say needs text in quotes")]
    [InlineData("done now", "done takes no object")]
    [InlineData("teleport home", "unknown action 'teleport'")]
    public void Bad_text_is_a_readable_failure(string text, string reason)
    {
        var parsed = ActionParser.Parse(text);
        Assert.False(parsed.Ok);
        Assert.Contains(reason, parsed.Error);
    }

    [Fact]
    public void Resolve_finds_things_by_synonym_and_reports_ambiguity_people_and_rooms()
    {
        var o = Ontology.Default;
        var world = new World(o, "kitchen");
        world.AddRoom("kitchen");
        world.AddRoom("hall");
        var counter = world.AddItem(new Item("counter", o["counter"], Location.InRoom("kitchen")));
        world.AddItem(new Item("cola", o["cola"], Location.InContainer(counter.Id), "can of cola"));
        world.AddItem(new Item("lemonade", o["lemonade"], Location.InContainer(counter.Id)));
        world.AddPerson(new Person("tom", isChild: false, "hall"));

        Assert.Equal("cola", ActionParser.ParseAndResolve(world, "take the coke").Thing!.Id);
        Assert.Equal("two things fit 'soda': can of cola, lemonade", ActionParser.ParseAndResolve(world, "take a soda").Error);
        Assert.Equal("tom is a person, not an object", ActionParser.ParseAndResolve(world, "take tom").Error);
        Assert.Equal("hall is a room, not an object", ActionParser.ParseAndResolve(world, "open the hall").Error);
        var give = ActionParser.ParseAndResolve(world, "give lemonade to Tom");
        Assert.True(give.Ok);
        Assert.Equal("tom", give.Person!.Name);
        Assert.Equal("hall", ActionParser.ParseAndResolve(world, "goto the hall").Room!.Name);
        Assert.Equal("pizza", ActionParser.ParseAndResolve(world, "order a pizza").Food!.Name);
        Assert.Null(ActionParser.ParseAndResolve(world, "juggle").Action);
    }
}
