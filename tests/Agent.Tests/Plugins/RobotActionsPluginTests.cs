using CoopAgent.Agent.Household;
using CoopAgent.Agent.Plugins;
using Microsoft.SemanticKernel;

namespace CoopAgent.Agent.Tests.Plugins;

public class RobotActionsPluginTests
{
    public static TheoryData<string> Actions() =>
    [
        "goto kitchen", "open fridge", "close fridge", "take milk", "put milk in fridge", "give milk to tom",
        "cook eggs", "heat soup", "pour milk into mug", "clean table", "dispose banana", "order pizza",
        "turn on stove", "turn off stove", "wait", "done",
    ];

    [Theory]
    [MemberData(nameof(Actions))]
    public void Every_robot_action_maps_to_a_kernel_function_and_back(string text)
    {
        var action = ActionParser.Parse(text).Action!;
        var call = RobotActionsPlugin.Call(action);

        Assert.NotNull(call);
        var plugin = KernelPluginFactory.CreateFromObject(new RobotActionsPlugin(new World(Ontology.Default, "kitchen")), RobotActionsPlugin.PluginName);
        Assert.True(plugin.Contains(call.Value.Function), $"no kernel function '{call.Value.Function}'");
        Assert.Equal(action, RobotActionsPlugin.ActionOf(call.Value.Function, call.Value.Arguments));
    }

    [Fact]
    public void Dialogue_is_not_a_robot_action()
    {
        Assert.Null(RobotActionsPlugin.Call(new HouseholdAction(Verb.Ask, Text: "coffee or tea?")));
        Assert.Null(RobotActionsPlugin.ActionOf("fly", new KernelArguments()));
    }

    [Fact]
    public async Task Actions_through_the_kernel_change_the_world()
    {
        var world = new World(Ontology.Default, "kitchen");
        world.AddRoom("kitchen");
        world.AddRoom("hall");
        var kernel = new Kernel();
        kernel.Plugins.AddFromObject(new RobotActionsPlugin(world), RobotActionsPlugin.PluginName);

        var result = await RobotActionsPlugin.InvokeAsync(kernel, new HouseholdAction(Verb.Goto, "hall"), CancellationToken.None);

        Assert.True(Assert.IsType<StepResult>(result).Ok);
        Assert.Equal("hall", world.RobotRoom);
    }
}
