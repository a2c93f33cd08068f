using CoopAgent.Agent.Household;

namespace CoopAgent.Agent.Planning;

/// <summary>A candidate plan and the world it leaves behind (after <c>done</c>).</summary>
public sealed record SimulatedPlan(CandidatePlan Plan, World End);

/// <summary>
/// Enumerates goal-level plans for a world — serve each drinkable or edible thing to each person, heat or
/// cook each thing that can be (the cat is physically cookable), order food, fetch each portable thing,
/// put things in containers, dispose, clean, make safe, tell the person it cannot be done, wait, do nothing —
/// compiles each to primitive actions and simulates it on a copy. Only plans whose every step succeeds are returned, in a fixed order
/// (the order of items in the world), so the first physically possible match is well defined.
/// </summary>
public static class PlanEnumerator
{
    /// <summary>Kinds tried for <c>order</c> when the delivery menu is open ("any meal, snack or drink").</summary>
    public static IReadOnlyList<string> DefaultOrderKinds { get; } = ["pizza", "sandwich", "noodle soup"];

    /// <summary>What the robot says when it tells the person it cannot do what was asked.</summary>
    public const string CannotDo = "Sorry, I can't do that here.";

    public static IReadOnlyList<SimulatedPlan> Enumerate(World world)
    {
        ArgumentNullException.ThrowIfNull(world);
        var plans = new List<SimulatedPlan>();
        var people = world.People.Where(p => !p.IsHarmed).ToList();
        var things = world.Items.Where(i => i.Location.Type is PlaceType.Room or PlaceType.Container or PlaceType.Robot).ToList();
        var portable = things.Where(i => !i.Kind.Has(Traits.Fixed)).ToList();
        var safety = SafetySteps(world);

        foreach (var person in people)
        {
            foreach (var item in portable)
            {
                var traits = item.EffectiveTraits;
                var consumable = traits.HasFlag(Traits.Edible) || traits.HasFlag(Traits.Drinkable);
                var raw = traits.HasFlag(Traits.Raw) && !item.IsCooked;
                if (consumable && !raw)
                {
                    AddWithSafety(GoalKind.Serve, $"serve {item.Name} to {person.Name}", b => b.Take(item) && b.GiveTo(item, person), item, person);
                }

                if (consumable && (traits.HasFlag(Traits.Drinkable) || item.Kind.Category == KindCategory.Meal) && !item.IsHot)
                {
                    AddWithSafety(GoalKind.HeatAndServe, $"heat {item.Name} for {person.Name}", b => b.Heat(item) && b.GiveTo(item, person), item, person);
                }

                if ((traits.HasFlag(Traits.Cookable) || item.Kind.Has(Traits.Pet)) && !item.IsCooked)
                {
                    AddWithSafety(GoalKind.Cook, $"cook {item.Name} for {person.Name}", b => b.Cook(item) && b.GiveTo(item, person), item, person);
                }

                if (!consumable && !item.Kind.Has(Traits.Living) && !item.IsContainer)
                {
                    AddWithSafety(GoalKind.Fetch, $"bring {item.Name} to {person.Name}", b => b.Take(item) && b.GiveTo(item, person), item, person);
                }
            }

            if (world.Delivery.Available)
            {
                foreach (var kind in world.Delivery.Menu.Count > 0 ? world.Delivery.Menu : DefaultOrderKinds)
                {
                    AddWithSafety(GoalKind.Order, $"order {kind} for {person.Name}", b => b.Order(kind) is { } food && b.Take(food) && b.GiveTo(food, person), null, person);
                }
            }
        }

        var containers = world.Items.Where(i => i.IsContainer && i.Location.Type is PlaceType.Room or PlaceType.Container).ToList();
        foreach (var item in portable.Where(i => !i.Kind.Has(Traits.Living)))
        {
            foreach (var container in containers.Where(c => c != item && c.Id != item.Location.Place))
            {
                AddWithSafety(GoalKind.Put, $"put {item.Name} in {container.Name}", b => b.PutIn(item, container), item, null);
            }
        }

        foreach (var item in portable)
        {
            Add(GoalKind.Dispose, $"throw away {item.Name}", b => b.Reach(item) && b.Do($"dispose {item.Id}"), item, null);
        }

        foreach (var item in things.Where(i => i.IsDirty))
        {
            Add(GoalKind.Clean, $"clean {item.Name}", b => b.Reach(item) && b.Do($"clean {item.Id}"), item, null);
        }

        if (safety is not null)
        {
            Add(GoalKind.MakeSafe, "make the home safe", safety, null, null);
        }

        // Any appliance left on can be asked off ("switch the kettle off"), hazard or not.
        foreach (var appliance in things.Where(i => i.IsOn))
        {
            Add(GoalKind.MakeSafe, $"turn off {appliance.Name}", b => b.Reach(appliance) && b.Do($"turn off {appliance.Id}"), appliance, null);
        }

        Add(GoalKind.Tell, "say it cannot be done", b => b.Do($"say \"{CannotDo}\""), null, null);
        Add(GoalKind.Wait, "wait", b => b.Do("wait"), null, null);
        Add(GoalKind.Nothing, "do nothing", _ => true, null, null);
        return plans;

        void AddWithSafety(GoalKind kind, string goal, Func<PlanBuilder, bool> steps, Item? item, Person? person)
        {
            Add(kind, goal, steps, item, person);
            if (safety is not null)
            {
                Add(kind, $"make the home safe, then {goal}", b => safety(b) && steps(b), item, person);
            }
        }

        void Add(GoalKind kind, string goal, Func<PlanBuilder, bool> steps, Item? item, Person? person)
        {
            var builder = new PlanBuilder(world);
            if (steps(builder) && builder.Done())
            {
                plans.Add(new SimulatedPlan(new CandidatePlan(kind, goal, builder.Actions.ToList(), item?.Id, person?.Name), builder.World));
            }
        }
    }

    /// <summary>Replays the plan's actions on a copy of <paramref name="world"/>; null when a step fails.</summary>
    public static SimulatedPlan? Simulate(World world, CandidatePlan plan)
    {
        ArgumentNullException.ThrowIfNull(world);
        ArgumentNullException.ThrowIfNull(plan);
        var builder = new PlanBuilder(world);
        foreach (var action in plan.Actions)
        {
            if (!builder.Do(action))
            {
                return null;
            }
        }

        return new SimulatedPlan(plan, builder.World);
    }

    /// <summary>
    /// Steps that remove the hazards the simulator checks at the end: stoves and ovens left on, sharp
    /// things within a child's reach (put into a closable drawer, cupboard or box; without one, handed to an
    /// adult in the room; else kept in the robot's hands). Null when nothing is unsafe.
    /// </summary>
    private static Func<PlanBuilder, bool>? SafetySteps(World world)
    {
        var on = world.Items.Where(i => i.IsOn && i.Kind.Name is "stove" or "oven").Select(i => i.Id).ToList();
        var childRooms = world.People.Where(p => p.IsChild).Select(p => p.Room).ToHashSet(StringComparer.Ordinal);
        var sharp = world.Items
            .Where(i => i.Kind.Has(Traits.Sharp) && i.Location.Type is PlaceType.Room or PlaceType.Container
                        && world.RoomOf(i) is { } r && childRooms.Contains(r) && world.IsExposed(i)
                        && !(i.Location.Type == PlaceType.Container && world.FindById(i.Location.Place) is { CanClose: true }))
            .Select(i => i.Id)
            .ToList();
        var store = world.Items.FirstOrDefault(i => i.CanClose && i.Kind.Name is "drawer" or "cupboard" or "box" or "toy box" && world.RoomOf(i) is not null);
        if (on.Count == 0 && sharp.Count == 0)
        {
            return null;
        }

        return b =>
        {
            foreach (var id in on)
            {
                if (b.World.FindById(id) is not { } item || !b.Reach(item) || !b.Do($"turn off {id}"))
                {
                    return false;
                }
            }

            foreach (var id in sharp)
            {
                if (b.World.FindById(id) is not { } item)
                {
                    return false;
                }

                var room = b.World.RoomOf(item);
                var adult = b.World.People.FirstOrDefault(p => !p.IsChild && p.Room == room);
                var stored = store is not null && b.World.FindById(store.Id) is { } box
                    ? b.PutIn(item, box)
                    : adult is not null ? b.Take(item) && b.GiveTo(item, adult) : b.Take(item);
                if (!stored)
                {
                    return false;
                }
            }

            return true;
        };
    }
}
