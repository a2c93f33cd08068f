using CoopAgent.Agent.Household;

namespace CoopAgent.Agent.Evaluation;

/// <summary>
/// The world as the robot can see it: a copy holding every room (the robot knows the floor plan), the items
/// it can see or holds, and the people in rooms it can see. The contents of closed containers and of unseen
/// rooms are left out, so a plan simulated on the view fails where the robot would have to look first.
/// </summary>
public static class RobotView
{
    public static World Of(World world)
    {
        ArgumentNullException.ThrowIfNull(world);
        var view = new World(world.Ontology, world.RobotRoom, world.HandCapacity) { Delivery = world.Delivery };
        foreach (var room in world.Rooms)
        {
            view.AddRoom(room.Name, room.Observed);
        }

        var visible = world.Visible().ToHashSet();
        foreach (var item in world.Items.Where(visible.Contains))
        {
            view.AddItem(item.Clone());
        }

        var seen = world.Rooms.Where(r => r.Name == world.RobotRoom || r.Observed).Select(r => r.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var person in world.People.Where(p => seen.Contains(p.Room)))
        {
            view.AddPerson(person.Clone());
        }

        return view;
    }
}
