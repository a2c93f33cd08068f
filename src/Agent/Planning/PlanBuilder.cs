using CoopAgent.Agent.Household;

namespace CoopAgent.Agent.Planning;

/// <summary>
/// Compiles goal steps (fetch this, cook that, give it to her) into primitive actions by running each action
/// on a scratch copy of the world as it is written: the plan is checked step by step, so a precondition that
/// fails (hands full, no stove) stops compilation instead of producing a plan that cannot run.
/// </summary>
internal sealed class PlanBuilder
{
    private static readonly string[] Cookers = ["stove", "oven", "microwave"];
    private readonly List<string> _actions = [];

    public PlanBuilder(World world)
    {
        World = world.Clone();
    }

    /// <summary>The scratch world, in the state after the actions so far.</summary>
    public World World { get; }

    public bool Failed { get; private set; }

    public IReadOnlyList<string> Actions => _actions;

    public bool Do(string action)
    {
        if (Failed)
        {
            return false;
        }

        _actions.Add(action);
        var result = Simulator.Execute(World, action);
        Failed = !result.Ok;
        return result.Ok;
    }

    public bool GoTo(string room) => !Failed && (World.RobotRoom == room || Do($"goto {room}"));

    /// <summary>Goes to the item's room and opens every closed container around it, outermost first.</summary>
    public bool Reach(Item item)
    {
        if (Failed)
        {
            return false;
        }

        if (item.Location.Type == PlaceType.Robot)
        {
            return true;
        }

        var room = World.RoomOf(item);
        if (room is null || !GoTo(room))
        {
            Failed = true;
            return false;
        }

        var chain = new List<Item>();
        var current = item;
        while (current.Location.Type == PlaceType.Container && World.FindById(current.Location.Place) is { } parent)
        {
            chain.Add(parent);
            current = parent;
        }

        chain.Reverse();
        foreach (var container in chain.Where(c => c.CanClose && !c.IsOpen))
        {
            if (!Do($"open {container.Id}"))
            {
                return false;
            }
        }

        return true;
    }

    public bool Take(Item item) => item.Location.Type == PlaceType.Robot || (Reach(item) && Do($"take {item.Id}"));

    public bool GiveTo(Item item, Person person) => GoTo(person.Room) && Do($"give {item.Id} to {person.Name}");

    /// <summary>Takes the item to the first room with a working stove, oven or microwave and cooks it there.</summary>
    public bool Cook(Item item) => Take(item) && GoToAppliance(i => Cookers.Contains(i.Kind.Name)) && Do($"cook {item.Id}");

    public bool Heat(Item item) => Take(item) && GoToAppliance(i => i.Kind.Has(Traits.HeatSource)) && Do($"heat {item.Id}");

    /// <summary>Orders food; the delivery arrives in the robot's room. Returns the delivered item or null.</summary>
    public Item? Order(string kind)
    {
        var before = World.Items.Count;
        return Do($"order {kind}") && World.Items.Count > before ? World.Items[^1] : null;
    }

    public bool PutIn(Item item, Item container) =>
        Take(item) && Reach(container) && (container.IsOpen || Do($"open {container.Id}")) && Do($"put {item.Id} in {container.Id}");

    public bool Done() => Do("done");

    private bool GoToAppliance(Func<Item, bool> fits)
    {
        if (Failed)
        {
            return false;
        }

        var appliance = World.Items.FirstOrDefault(i => fits(i) && !i.IsBroken && i.Location.Type != PlaceType.Gone && World.RoomOf(i) is not null);
        if (appliance is null)
        {
            Failed = true;
            return false;
        }

        return GoTo(World.RoomOf(appliance)!);
    }
}
