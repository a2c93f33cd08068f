using CoopAgent.Agent.Household;

namespace CoopAgent.Server.Sessions;

/// <summary>Draws a <see cref="World"/> as the page shows it: every room with its containers (and what is in
/// them), loose objects, people and pets; the robot's room and what it holds.</summary>
public static class HomeViews
{
    public static HomeView Of(World world)
    {
        ArgumentNullException.ThrowIfNull(world);
        var present = world.Items.Where(i => i.Location.Type != PlaceType.Gone).ToList();
        var rooms = world.Rooms.Select(room =>
        {
            var here = present.Where(i => i.Location.Type == PlaceType.Room && i.Location.Place == room.Name).ToList();
            var containers = here.Where(i => i.IsContainer)
                .Select(c => new ContainerView(c.Label, c.IsOpen, world.Contents(c).Select(Describe).ToList()))
                .ToList();
            var pets = here.Where(i => i.Kind.Has(Traits.Pet)).Select(i => i.Label).ToList();
            var objects = here.Where(i => !i.IsContainer && !i.Kind.Has(Traits.Pet)).Select(Describe).ToList();
            var people = world.People.Where(p => p.Room == room.Name).Select(Describe).ToList();
            return new RoomView(room.Name, containers, objects, people, pets);
        }).ToList();
        return new HomeView(world.RobotRoom, world.Held.Select(Describe).ToList(), rooms);
    }

    private static string Describe(Item item)
    {
        var state = new List<string>();
        if (item.IsCooked)
        {
            state.Add("cooked");
        }

        if (item.IsHot)
        {
            state.Add("hot");
        }

        if (item.IsBroken)
        {
            state.Add("broken");
        }

        if (item.IsHarmed)
        {
            state.Add("harmed");
        }

        if (item.Filling is { } filling)
        {
            state.Add("with " + filling.Name);
        }

        return state.Count == 0 ? item.Label : $"{item.Label} ({string.Join(", ", state)})";
    }

    private static string Describe(Person person)
    {
        var state = new List<string>();
        if (person.IsHungry)
        {
            state.Add("hungry");
        }

        if (person.IsThirsty)
        {
            state.Add("thirsty");
        }

        if (person.IsHarmed)
        {
            state.Add("harmed");
        }

        var name = person.IsChild ? person.Name + " (child)" : person.Name;
        return state.Count == 0 ? name : $"{name}: {string.Join(", ", state)}";
    }
}
