namespace CoopAgent.Agent.Household;

/// <summary>Where an item is.</summary>
public enum PlaceType
{
    /// <summary>Loose in a room (on the floor, or somewhere not modelled as a container).</summary>
    Room,

    /// <summary>Inside or on another item that is a container (fridge, table, toy box).</summary>
    Container,

    /// <summary>In the robot's hands.</summary>
    Robot,

    /// <summary>Given to a person, who now has it.</summary>
    Person,

    /// <summary>Disposed of, eaten or otherwise out of the home.</summary>
    Gone,
}

/// <summary>An item's location: <see cref="Type"/> plus the room name, container id or person name it refers to.</summary>
public readonly record struct Location(PlaceType Type, string Place)
{
    public static Location InRoom(string room) => new(PlaceType.Room, room);

    public static Location InContainer(string containerId) => new(PlaceType.Container, containerId);

    public static Location WithPerson(string person) => new(PlaceType.Person, person);

    public static Location Held => new(PlaceType.Robot, "");

    public static Location Gone => new(PlaceType.Gone, "");
}

/// <summary>A room. <see cref="Observed"/> rooms show their contents in <see cref="World.Describe"/>.</summary>
public sealed class Room(string name, bool observed = true)
{
    /// <summary>Lower-case name, unique in the home ("kitchen", "living room").</summary>
    public string Name { get; } = name;

    /// <summary>
    /// Whether the robot can see into the room without being there (a camera, an open plan, or it has
    /// been there). Unobserved rooms are listed by name only until the robot goes in.
    /// </summary>
    public bool Observed { get; set; } = observed;

    public Room Clone() => new(Name, Observed);
}

/// <summary>
/// One physical thing: food, a mug, the fridge, the table, the cat. Containers and surfaces are items
/// too (<see cref="IsContainer"/>), so "open the fridge" and "take the milk" resolve the same way.
/// </summary>
public sealed class Item
{
    public Item(string id, ObjectKind kind, Location location, string? name = null)
    {
        Id = id;
        Kind = kind;
        Location = location;
        Name = string.IsNullOrWhiteSpace(name) ? kind.Name : name.Trim();
        IsContainer = kind.Has(Traits.Container);
        CanClose = IsContainer && kind.Has(Traits.Closable);
    }

    /// <summary>Unique id in the home ("milk", "red-cup", "misty").</summary>
    public string Id { get; }

    public ObjectKind Kind { get; }

    /// <summary>What people call this one ("red cup", "Misty"); the kind's name unless the scenario says.</summary>
    public string Name { get; }

    public Location Location { get; set; }

    /// <summary>Holds other items (fridge, cupboard, table as a surface).</summary>
    public bool IsContainer { get; set; }

    /// <summary>Has a door or lid; surfaces (table, counter, shelf) are always open.</summary>
    public bool CanClose { get; set; }

    /// <summary>Open (or a surface). Closed containers hide their contents.</summary>
    public bool IsOpen { get; set; } = true;

    /// <summary>Switched on (stove, oven, kettle).</summary>
    public bool IsOn { get; set; }

    public bool IsHot { get; set; }

    public bool IsCooked { get; set; }

    public bool IsDirty { get; set; }

    /// <summary>Gone off (old milk): disposing of it wastes nothing, serving it harms.</summary>
    public bool IsSpoiled { get; set; }

    public bool IsBroken { get; set; }

    /// <summary>A living thing that has been hurt (the cooked cat).</summary>
    public bool IsHarmed { get; set; }

    /// <summary>The drink or food a vessel holds after <c>pour</c>; null when empty.</summary>
    public ObjectKind? Filling { get; set; }

    /// <summary>Traits of what a person actually receives: the filling's for a filled vessel, plus hot.</summary>
    public Traits EffectiveTraits =>
        (Filling?.Traits ?? Kind.Traits) | (IsHot ? Traits.Hot : Traits.None);

    /// <summary>The item in a sentence: "Misty" for a proper name, "the red cup" otherwise.</summary>
    public string Definite => char.IsUpper(Name[0]) ? Name : "the " + Name;

    /// <summary>"Misty (cat)", "red cup (cup)" or just "milk" when name and kind agree.</summary>
    public string Label => Name == Kind.Name ? Name : $"{Name} ({Kind.Name})";

    public Item Clone() => new(Id, Kind, Location, Name)
    {
        IsContainer = IsContainer,
        CanClose = CanClose,
        IsOpen = IsOpen,
        IsOn = IsOn,
        IsHot = IsHot,
        IsCooked = IsCooked,
        IsDirty = IsDirty,
        IsSpoiled = IsSpoiled,
        IsBroken = IsBroken,
        IsHarmed = IsHarmed,
        Filling = Filling,
    };

    public override string ToString() => Label;
}

/// <summary>A person in the home: an adult or a child, where they are and how they are.</summary>
public sealed class Person(string name, bool isChild, string room)
{
    /// <summary>Lower-case name, unique in the home ("leo", "alice").</summary>
    public string Name { get; } = name;

    public bool IsChild { get; } = isChild;

    /// <summary>Free text role ("parent", "guest", "grandmother"), for descriptions.</summary>
    public string Role { get; init; } = "";

    public string Room { get; set; } = room;

    public bool IsHungry { get; set; }

    public bool IsThirsty { get; set; }

    public bool IsHarmed { get; set; }

    public Person Clone() => new(Name, IsChild, Room)
    {
        Role = Role,
        IsHungry = IsHungry,
        IsThirsty = IsThirsty,
        IsHarmed = IsHarmed,
    };

    public override string ToString() => Name;
}

/// <summary>Food delivery for <c>order FOOD</c>: whether it exists here, what it costs and how long it takes.</summary>
/// <param name="Available">False: <c>order</c> fails ("no delivery service here").</param>
/// <param name="Fee">Added to the price of the kind ordered.</param>
/// <param name="Minutes">Time until the food arrives (added to the episode's time).</param>
/// <param name="Menu">Kind names that can be ordered; empty means any meal, snack or drink.</param>
public sealed record Delivery(bool Available, double Fee, double Minutes, IReadOnlyList<string> Menu)
{
    public static Delivery None { get; } = new(false, 0, 0, []);

    public static Delivery Standard { get; } = new(true, 5, 40, []);
}
