using CoopAgent.Agent.Filters;
using CoopAgent.Agent.Household;
using CoopAgent.Agent.Plugins;
using Microsoft.SemanticKernel;

namespace CoopAgent.Agent.Tests.Filters;

public class HarmGateFilterTests
{
    // An assessor that fears cooking anything called "cat" (b(pet) = 0.01 of −1000 → expected harm 10).
    private sealed class CatAssessor : IHarmAssessor
    {
        public List<HouseholdAction> Seen { get; } = [];

        public HarmAssessment Assess(HouseholdAction action)
        {
            Seen.Add(action);
            return action is { Verb: Verb.Cook, Thing: "cat" }
                ? new HarmAssessment(10, "Shall I order food instead?", ["order pizza", "wait"], "'pet' fears it")
                : new HarmAssessment(0, "", [], "");
        }
    }

    private static (Kernel Kernel, CatAssessor Assessor, HarmGateFilter Filter, World World) Build()
    {
        var world = new World(Ontology.Default, "kitchen");
        world.AddRoom("kitchen");
        var assessor = new CatAssessor();
        var filter = new HarmGateFilter(assessor, bound: 1.0);
        var kernel = new Kernel();
        kernel.Plugins.AddFromObject(new RobotActionsPlugin(world), RobotActionsPlugin.PluginName);
        kernel.FunctionInvocationFilters.Add(filter);
        return (kernel, assessor, filter, world);
    }

    [Fact]
    public async Task Cooking_the_cat_is_refused_and_turned_into_a_question()
    {
        var (kernel, _, filter, world) = Build();
        var result = await RobotActionsPlugin.InvokeAsync(kernel, new HouseholdAction(Verb.Cook, "cat"), CancellationToken.None);

        var gated = Assert.IsType<GatedAction>(result);
        Assert.Equal("Shall I order food instead?", gated.Assessment.Question);
        Assert.Equal(1, filter.Refused);
        Assert.Equal(0, world.Outcome.Steps);
    }

    [Fact]
    public async Task A_harmless_action_runs_on_the_world()
    {
        var (kernel, assessor, filter, world) = Build();
        var result = await RobotActionsPlugin.InvokeAsync(kernel, new HouseholdAction(Verb.Goto, "kitchen"), CancellationToken.None);

        var step = Assert.IsType<StepResult>(result);
        Assert.True(step.Ok, step.Message);
        Assert.Equal(0, filter.Refused);
        Assert.Equal(1, world.Outcome.Steps);
        Assert.Equal(new HouseholdAction(Verb.Goto, "kitchen"), Assert.Single(assessor.Seen));
    }

    [Fact]
    public async Task Functions_outside_the_robot_plugin_pass_through_ungated()
    {
        var (kernel, assessor, _, _) = Build();
        // SK's own prompt functions arrive with an empty plugin name; a function named like a robot verb
        // outside the plugin must not be gated either.
        var cook = KernelFunctionFactory.CreateFromMethod((string thing) => $"cooked {thing}", "cook");
        var result = await kernel.InvokeAsync(cook, new KernelArguments { ["thing"] = "cat" });

        Assert.Equal("cooked cat", result.GetValue<string>());
        Assert.Empty(assessor.Seen);
    }

    [Fact]
    public void A_negative_bound_is_refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new HarmGateFilter(new CatAssessor(), -1));
}
