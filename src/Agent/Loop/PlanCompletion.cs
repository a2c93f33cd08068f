using CoopAgent.Agent.Household;

namespace CoopAgent.Agent.Loop;

/// <summary>
/// Fills in the walking and opening a sampled plan's steps need but the policy left out: <c>give tea to walter</c>
/// with Walter in another room gets <c>goto conservatory</c> before it; <c>put cup in dishwasher</c> with the
/// dishwasher closed gets <c>open dishwasher</c>; <c>take cup</c> with the cup in another room gets the walk there. It
/// uses only what the robot sees (a thing in a closed fridge is not found for it). Only such preconditions, the robot's own skills: what to take, where to put it and whom to give
/// it to stay the policy's. A step that no walk or opening makes possible is left as written, with the rest of the
/// plan, so it fails where the policy's plan would.
/// </summary>
public static class PlanCompletion
{
    /// <summary>The plan with the missing steps inserted, as run on a copy of <paramref name="world"/>.</summary>
    public static List<HouseholdAction> Complete(World world, IReadOnlyList<HouseholdAction> actions)
    {
        ArgumentNullException.ThrowIfNull(world);
        ArgumentNullException.ThrowIfNull(actions);
        var scratch = world.Clone();
        var completed = new List<HouseholdAction>();
        for (var i = 0; i < actions.Count; i++)
        {
            var steps = Needed(scratch, actions[i]).Append(actions[i]).ToList();
            var trial = scratch.Clone();
            if (!steps.All(step => Simulator.Execute(trial, step).Ok))
            {
                completed.AddRange(actions.Skip(i));
                return completed;
            }

            foreach (var step in steps)
            {
                Simulator.Execute(scratch, step);
            }

            completed.AddRange(steps);
        }

        return completed;
    }

    /// <summary>What must happen before <paramref name="action"/> can run in <paramref name="world"/>: nothing when it
    /// already can.</summary>
    private static List<HouseholdAction> Needed(World world, HouseholdAction action)
    {
        if (Simulator.Execute(world.Clone(), action).Ok)
        {
            return [];
        }

        var steps = new List<HouseholdAction>();
        var room = world.RobotRoom;
        void GoTo(string? to)
        {
            if (to is not null && !string.Equals(to, room, StringComparison.Ordinal))
            {
                steps.Add(new HouseholdAction(Verb.Goto, to));
                room = to;
            }
        }

        switch (action.Verb)
        {
            case Verb.Give:
                GoTo(world.FindPerson(action.Target)?.Room);
                break;
            case Verb.Put or Verb.Pour when world.FindVisible(action.Target).Item is { } place:
                GoTo(world.RoomOf(place));
                if (place is { CanClose: true, IsOpen: false })
                {
                    steps.Add(new HouseholdAction(Verb.Open, place.Id));
                }

                break;
            case Verb.Take or Verb.Cook or Verb.Heat or Verb.Clean or Verb.Dispose or Verb.TurnOn or Verb.TurnOff or Verb.Open or Verb.Close
                when world.FindVisible(action.Thing).Item is { } thing:
                // Only what the robot can see: a thing in a closed cupboard stays where the policy's plan put it.
                GoTo(world.RoomOf(thing));
                break;
        }

        return steps;
    }
}
