using CoopAgent.Agent.Evaluation;
using CoopAgent.Agent.Household;
using CoopAgent.Agent.Loop;
using CoopAgent.Agent.Planning;
using CoopAgent.Agent.Scenarios;

namespace CoopAgent.Agent.Tests.Loop;

public class PlanCompletionTests
{
    /// <summary>Kitchen (closed fridge with milk, dishwasher closed, a cup on the counter); Walter in the conservatory.</summary>
    private static World Home()
    {
        var o = Ontology.Default;
        var world = new World(o, "kitchen");
        world.AddRoom("kitchen");
        world.AddRoom("conservatory");
        world.AddItem(new Item("fridge", o["fridge"], Location.InRoom("kitchen")) { IsOpen = false });
        world.AddItem(new Item("milk", o["milk"], Location.InContainer("fridge")));
        world.AddItem(new Item("dishwasher", o["dishwasher"], Location.InRoom("kitchen")) { IsOpen = false });
        world.AddItem(new Item("counter", o["counter"], Location.InRoom("kitchen")));
        world.AddItem(new Item("cup", o["mug"], Location.InContainer("counter")));
        world.AddPerson(new Person("walter", false, "conservatory"));
        return world;
    }

    private static string Complete(World world, string plan) =>
        string.Join("; ", PlanCompletion.Complete(world, ActionParser.ParsePlan(plan).Select(p => p.Action!).ToList()));

    [Theory]
    [InlineData("take cup; give cup to walter; done", "take cup; goto conservatory; give cup to walter; done")]
    [InlineData("take cup; put cup in dishwasher; done", "take cup; open dishwasher; put cup in dishwasher; done")]
    [InlineData("open fridge; take milk; give milk to walter; done", "open fridge; take milk; goto conservatory; give milk to walter; done")]
    [InlineData("take cup; goto conservatory; give cup to walter; done", "take cup; goto conservatory; give cup to walter; done")]
    public void The_walks_and_openings_a_plan_needs_are_filled_in(string plan, string completed) =>
        Assert.Equal(completed, Complete(Home(), plan));

    [Fact]
    public void A_step_nothing_can_make_possible_is_left_as_written_with_the_rest()
    {
        // Giving what the robot never took: no walk or opening helps, so the plan fails where the policy's would.
        Assert.Equal("give cup to walter; take cup; done", Complete(Home(), "give cup to walter; take cup; done"));
        Assert.Equal("take cup; give milk to walter; done", Complete(Home(), "take cup; give milk to walter; done"));
        // Nor does it look into closed things for the policy: the milk in the closed fridge is not found for it.
        Assert.Equal("take milk; give milk to walter; done", Complete(Home(), "take milk; give milk to walter; done"));
    }

    [Fact]
    public void From_another_room_it_walks_back_to_what_a_step_needs()
    {
        var world = Home();
        world.RobotRoom = "conservatory";
        Assert.Equal("goto kitchen; take cup; goto conservatory; give cup to walter; done", Complete(world, "take cup; give cup to walter; done"));
    }

    [Fact]
    public void Plans_the_planner_finds_are_already_complete()
    {
        foreach (var scenario in BuiltinScenarios.All())
        {
            var view = RobotView.Of(scenario.CreateWorld());
            foreach (var plan in PlanEnumerator.Enumerate(view).Select(p => p.Plan.Text))
            {
                Assert.Equal(plan, Complete(view, plan));
            }
        }
    }

    [Fact]
    public async Task The_agent_drops_the_detours_a_sampled_plan_and_its_completion_would_walk()
    {
        // The policy walks to Nana before taking the grapes; completion walks back for them; the agent keeps the
        // errand without the detour.
        var fruit = BuiltinScenarios.Get("pref-fruit-for-grandma");
        var episode = FirstDecision.Begin(fruit, new ScriptedPolicy("goto sitting room; take grapes; goto kitchen; give grapes to nana; done"));

        await FirstDecision.TakeAsync(episode, fruit);

        Assert.Contains(episode.LastCandidates, c => c.Text == "take grapes; goto sitting room; give grapes to nana; done");
        Assert.DoesNotContain(episode.LastCandidates, c => c.Text.Contains("goto kitchen", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_agent_opens_once_what_a_sampled_plan_opens_twice()
    {
        var toddler = BuiltinScenarios.Get("safety-knife-near-toddler");
        var episode = FirstDecision.Begin(toddler, new ScriptedPolicy("open sideboard-drawer; take knife; open sideboard drawer; put knife in sideboard-drawer; done"));

        await FirstDecision.TakeAsync(episode, toddler);

        Assert.Contains(episode.LastCandidates, c => c.Text == "open sideboard-drawer; take knife; put knife in sideboard-drawer; done");
    }
}
