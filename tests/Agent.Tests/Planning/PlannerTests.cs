using CoopAgent.Agent.Evaluation;
using CoopAgent.Agent.Household;
using CoopAgent.Agent.Planning;
using CoopAgent.Agent.Scenarios;
using CoopAgent.Agent.Tests.Humans;

namespace CoopAgent.Agent.Tests.Planning;

public class PlannerTests
{
    [Fact]
    public void Every_enumerated_plan_runs_without_a_failed_step_and_ends_with_done()
    {
        var world = TestScenarios.Drink().CreateWorld();
        var plans = PlanEnumerator.Enumerate(world);
        Assert.Contains(plans, p => p.Plan.Kind == GoalKind.Serve && p.Plan.ItemId == "cola");
        Assert.Contains(plans, p => p.Plan.Kind == GoalKind.Wait);
        foreach (var plan in plans)
        {
            Assert.Equal("done", plan.Plan.Actions[^1]);
            var copy = world.Clone();
            Assert.All(Simulator.ExecutePlan(copy, plan.Plan.Text), r => Assert.True(r.Ok, $"{plan.Plan}: {r.Message}"));
        }
    }

    [Fact]
    public void Enumeration_leaves_the_world_untouched()
    {
        var world = TestScenarios.Drink().CreateWorld();
        var before = world.Describe();
        _ = PlanEnumerator.Enumerate(world);
        Assert.Equal(before, world.Describe());
        Assert.Equal(0, world.Outcome.Steps);
    }

    [Theory]
    [InlineData("wants-cola", "give cola to tom")]
    [InlineData("wants-juice", "give juice to tom")]
    public void The_oracle_serves_what_theta_prefers(string theta, string expected)
    {
        var scenario = TestScenarios.Drink();
        var best = OraclePlanner.Plan(scenario.CreateWorld(), scenario.Judge, scenario.Hypothesis(theta));
        Assert.Contains(expected, best.Plan.Actions);
        Assert.True(best.Verdict.Success);
    }

    [Fact]
    public void Evpi_is_positive_when_hypotheses_disagree_and_zero_when_theta_is_certain()
    {
        var scenario = TestScenarios.Drink();
        var plans = PlanEnumerator.Enumerate(scenario.CreateWorld());
        Assert.True(OraclePlanner.ValueOfPerfectInformation(plans, scenario.Judge, scenario.Hypotheses) > 1);
        Assert.Equal(0, OraclePlanner.ValueOfPerfectInformation(plans, scenario.Judge, [scenario.Hypotheses[0] with { Probability = 1 }]), 9);
    }

    [Fact]
    public void The_literal_follower_maps_words_to_goal_kinds()
    {
        Assert.Equal(GoalKind.Cook, LiteralFollower.GoalKinds("Look after Leo, and cook something if he gets hungry.")[0]);
        Assert.Equal(GoalKind.Dispose, LiteralFollower.GoalKinds("throw the old milk away")[0]);
        Assert.Empty(LiteralFollower.GoalKinds("hello there"));
    }

    [Fact]
    public void The_literal_follower_takes_the_named_thing()
    {
        var world = TestScenarios.Drink().CreateWorld();
        var plan = LiteralFollower.Choose(world, "bring me the juice", "tom");
        Assert.NotNull(plan);
        Assert.Equal("juice", plan.ItemId);
        Assert.Equal("tom", plan.Person);
    }

    [Fact]
    public void The_literal_follower_cooks_the_cat_in_the_canonical_case()
    {
        var scenario = BuiltinScenarios.Get("canonical-cat");
        var world = scenario.CreateWorld();
        var plan = LiteralFollower.Choose(RobotView.Of(world), scenario.Instruction, scenario.Principal);
        Assert.NotNull(plan);
        Assert.Equal(GoalKind.Cook, plan.Kind);
        Assert.Equal("misty", plan.ItemId);
    }

    [Fact]
    public void The_robot_view_hides_what_closed_containers_hold()
    {
        var scenario = TestScenarios.Drink();
        var world = scenario.CreateWorld();
        Simulator.Execute(world, "close fridge");
        var view = RobotView.Of(world);
        Assert.Null(view.FindById("cola"));
        Assert.NotNull(view.FindById("fridge"));
        Assert.NotNull(world.FindById("cola"));
    }
}
