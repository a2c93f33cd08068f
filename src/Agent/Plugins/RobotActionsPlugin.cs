using System.ComponentModel;
using CoopAgent.Agent.Household;
using Microsoft.SemanticKernel;

namespace CoopAgent.Agent.Plugins;

/// <summary>
/// The robot's physical actions as Semantic Kernel functions. Each runs one action of the household
/// language on <see cref="World"/> through the <see cref="Simulator"/> and returns its <see cref="StepResult"/>.
/// The agent loop invokes them with <c>kernel.InvokeAsync</c> (see <see cref="InvokeAsync"/>) so every
/// function-invocation filter — the harm gate above all — sees every action before it happens. Dialogue
/// (<c>ask</c>, <c>say</c>) is not here: it is the loop's business, not the body's.
/// </summary>
/// <param name="world">The world the actions change: the real home in a chat, the agent's own model of it
/// (<c>Observation.View</c>) in an evaluation episode, where the runner then executes the same action.</param>
public sealed class RobotActionsPlugin(World world)
{
    /// <summary>The plugin name the kernel registers and the harm gate gates.</summary>
    public const string PluginName = "RobotActions";

    public World World { get; set; } = world;

    [KernelFunction("goto"), Description("Go to a room of the home.")]
    public StepResult GoTo([Description("the room, e.g. kitchen")] string place) => Run(new HouseholdAction(Verb.Goto, place));

    [KernelFunction("open"), Description("Open a container such as the fridge or a cupboard.")]
    public StepResult Open([Description("what to open")] string thing) => Run(new HouseholdAction(Verb.Open, thing));

    [KernelFunction("close"), Description("Close a container.")]
    public StepResult Close([Description("what to close")] string thing) => Run(new HouseholdAction(Verb.Close, thing));

    [KernelFunction("take"), Description("Pick something up.")]
    public StepResult Take([Description("what to take")] string thing) => Run(new HouseholdAction(Verb.Take, thing));

    [KernelFunction("put"), Description("Put something held in or on a container.")]
    public StepResult Put([Description("what to put")] string thing, [Description("in or on")] string preposition, [Description("the container")] string container) =>
        Run(new HouseholdAction(Verb.Put, thing, container, preposition));

    [KernelFunction("give"), Description("Give something held to a person.")]
    public StepResult Give([Description("what to give")] string thing, [Description("who gets it")] string person) =>
        Run(new HouseholdAction(Verb.Give, thing, person, "to"));

    [KernelFunction("cook"), Description("Cook something on the stove.")]
    public StepResult Cook([Description("what to cook")] string thing) => Run(new HouseholdAction(Verb.Cook, thing));

    [KernelFunction("heat"), Description("Heat something up.")]
    public StepResult Heat([Description("what to heat")] string thing) => Run(new HouseholdAction(Verb.Heat, thing));

    [KernelFunction("pour"), Description("Pour a drink into a vessel.")]
    public StepResult Pour([Description("what to pour")] string thing, [Description("the vessel")] string vessel) =>
        Run(new HouseholdAction(Verb.Pour, thing, vessel, "into"));

    [KernelFunction("clean"), Description("Clean something.")]
    public StepResult Clean([Description("what to clean")] string thing) => Run(new HouseholdAction(Verb.Clean, thing));

    [KernelFunction("dispose"), Description("Throw something away.")]
    public StepResult Dispose([Description("what to throw away")] string thing) => Run(new HouseholdAction(Verb.Dispose, thing));

    [KernelFunction("order"), Description("Order food for delivery (costs money).")]
    public StepResult Order([Description("the food to order")] string food) => Run(new HouseholdAction(Verb.Order, food));

    [KernelFunction("turn_on"), Description("Switch an appliance on.")]
    public StepResult TurnOn([Description("the appliance")] string thing) => Run(new HouseholdAction(Verb.TurnOn, thing));

    [KernelFunction("turn_off"), Description("Switch an appliance off.")]
    public StepResult TurnOff([Description("the appliance")] string thing) => Run(new HouseholdAction(Verb.TurnOff, thing));

    [KernelFunction("wait"), Description("Wait a while.")]
    public StepResult Wait() => Run(new HouseholdAction(Verb.Wait));

    [KernelFunction("done"), Description("Finish the task.")]
    public StepResult Done() => Run(new HouseholdAction(Verb.Done));

    /// <summary>The function and arguments that perform <paramref name="action"/>; null for dialogue (ask, say).</summary>
    public static (string Function, KernelArguments Arguments)? Call(HouseholdAction action)
    {
        ArgumentNullException.ThrowIfNull(action);
        return action.Verb switch
        {
            Verb.Ask or Verb.Say => null,
            Verb.Goto => ("goto", new KernelArguments { ["place"] = action.Thing }),
            Verb.Put => ("put", new KernelArguments { ["thing"] = action.Thing, ["preposition"] = action.Preposition, ["container"] = action.Target }),
            Verb.Give => ("give", new KernelArguments { ["thing"] = action.Thing, ["person"] = action.Target }),
            Verb.Pour => ("pour", new KernelArguments { ["thing"] = action.Thing, ["vessel"] = action.Target }),
            Verb.Order => ("order", new KernelArguments { ["food"] = action.Thing }),
            Verb.TurnOn => ("turn_on", new KernelArguments { ["thing"] = action.Thing }),
            Verb.TurnOff => ("turn_off", new KernelArguments { ["thing"] = action.Thing }),
            Verb.Wait or Verb.Done => (ActionParser.VerbWord(action.Verb), new KernelArguments()),
            _ => (ActionParser.VerbWord(action.Verb), new KernelArguments { ["thing"] = action.Thing }),
        };
    }

    /// <summary>The action a call of one of these functions performs (the inverse of <see cref="Call"/>), for the
    /// filter, which sees only the function and its arguments.</summary>
    public static HouseholdAction? ActionOf(string function, KernelArguments arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        string Arg(string name) => arguments.TryGetValue(name, out var v) ? v?.ToString() ?? "" : "";
        return function switch
        {
            "goto" => new HouseholdAction(Verb.Goto, Arg("place")),
            "put" => new HouseholdAction(Verb.Put, Arg("thing"), Arg("container"), Arg("preposition")),
            "give" => new HouseholdAction(Verb.Give, Arg("thing"), Arg("person"), "to"),
            "pour" => new HouseholdAction(Verb.Pour, Arg("thing"), Arg("vessel"), "into"),
            "order" => new HouseholdAction(Verb.Order, Arg("food")),
            "turn_on" => new HouseholdAction(Verb.TurnOn, Arg("thing")),
            "turn_off" => new HouseholdAction(Verb.TurnOff, Arg("thing")),
            "wait" => new HouseholdAction(Verb.Wait),
            "done" => new HouseholdAction(Verb.Done),
            "open" => new HouseholdAction(Verb.Open, Arg("thing")),
            "close" => new HouseholdAction(Verb.Close, Arg("thing")),
            "take" => new HouseholdAction(Verb.Take, Arg("thing")),
            "cook" => new HouseholdAction(Verb.Cook, Arg("thing")),
            "heat" => new HouseholdAction(Verb.Heat, Arg("thing")),
            "clean" => new HouseholdAction(Verb.Clean, Arg("thing")),
            "dispose" => new HouseholdAction(Verb.Dispose, Arg("thing")),
            _ => null,
        };
    }

    /// <summary>Runs <paramref name="action"/> through the kernel (so filters run): the function's result, a
    /// <see cref="StepResult"/> or, when a filter refused it, whatever the filter put there.</summary>
    public static async Task<object?> InvokeAsync(Kernel kernel, HouseholdAction action, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        var call = Call(action) ?? throw new ArgumentException($"'{action}' is dialogue, not a robot action", nameof(action));
        var result = await kernel.InvokeAsync(PluginName, call.Function, call.Arguments, cancellationToken);
        return result.GetValue<object>();
    }

    private StepResult Run(HouseholdAction action) => Simulator.Execute(World, action);
}
