using System.Globalization;
using System.Text;

namespace CoopAgent.Agent.Household;

/// <summary>
/// The state of one home: rooms, items (containers included), people, the robot's room and hands, food
/// delivery, and the <see cref="Outcome"/> accumulated so far. Mutated only by <see cref="Simulator"/>;
/// <see cref="Clone"/> gives an independent copy for look-ahead.
/// </summary>
/// <remarks>
/// What the robot can see: everything in the room it is in, except the contents of closed containers;
/// what it holds; and, in other rooms marked <see cref="Room.Observed"/>, the same (closed containers still
/// hide their contents). Unobserved rooms are listed by name only until the robot goes there, which marks
/// them observed. Actions other than <c>goto</c> only reach things in the robot's room or hands.
/// </remarks>
public sealed class World
{
    private readonly List<Room> _rooms = [];
    private readonly List<Item> _items = [];
    private readonly Dictionary<string, Item> _byId = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<Person> _people = [];

    /// <summary>Creates an empty home whose robot starts in <paramref name="robotRoom"/>.</summary>
    public World(Ontology ontology, string robotRoom, int handCapacity = 2)
    {
        Ontology = ontology;
        RobotRoom = robotRoom;
        HandCapacity = handCapacity;
    }

    public Ontology Ontology { get; }

    public IReadOnlyList<Room> Rooms => _rooms;

    /// <summary>Every item, gone ones included (their <see cref="Location"/> is <see cref="PlaceType.Gone"/>).</summary>
    public IReadOnlyList<Item> Items => _items;

    public IReadOnlyList<Person> People => _people;

    public string RobotRoom { get; set; }

    /// <summary>How many items the robot can hold at once.</summary>
    public int HandCapacity { get; set; }

    public Delivery Delivery { get; set; } = Delivery.None;

    public Outcome Outcome { get; private set; } = new();

    /// <summary>Items in the robot's hands.</summary>
    public IEnumerable<Item> Held => _items.Where(i => i.Location.Type == PlaceType.Robot);

    /// <summary>Pets: items whose kind is a pet.</summary>
    public IEnumerable<Item> Pets => _items.Where(i => i.Kind.Has(Traits.Pet) && i.Location.Type != PlaceType.Gone);

    public Room AddRoom(string name, bool observed = true)
    {
        var room = new Room(name, observed);
        _rooms.Add(room);
        return room;
    }

    public Item AddItem(Item item)
    {
        ArgumentNullException.ThrowIfNull(item);
        if (!_byId.TryAdd(item.Id, item))
        {
            throw new ArgumentException($"item id '{item.Id}' is used twice", nameof(item));
        }

        _items.Add(item);
        return item;
    }

    public Person AddPerson(Person person)
    {
        ArgumentNullException.ThrowIfNull(person);
        _people.Add(person);
        return person;
    }

    public Room? FindRoom(string name) =>
        _rooms.FirstOrDefault(r => string.Equals(r.Name, Ontology.Normalize(name), StringComparison.OrdinalIgnoreCase));

    public Item? FindById(string id) => _byId.GetValueOrDefault(id);

    public Person? FindPerson(string name)
    {
        var key = Ontology.Normalize(name);
        return _people.FirstOrDefault(p => string.Equals(p.Name, key, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Items directly inside or on <paramref name="container"/>.</summary>
    public IEnumerable<Item> Contents(Item container) =>
        _items.Where(i => i.Location.Type == PlaceType.Container && i.Location.Place == container.Id);

    /// <summary>The room an item is in, following containers; null when held by the robot or gone.</summary>
    public string? RoomOf(Item item)
    {
        ArgumentNullException.ThrowIfNull(item);
        var current = item;
        for (var depth = 0; depth < 16; depth++)
        {
            switch (current.Location.Type)
            {
                case PlaceType.Room:
                    return current.Location.Place;
                case PlaceType.Person:
                    return FindPerson(current.Location.Place)?.Room;
                case PlaceType.Container:
                    var parent = FindById(current.Location.Place);
                    if (parent is null)
                    {
                        return null;
                    }

                    current = parent;
                    break;
                case PlaceType.Robot:
                    return RobotRoom;
                default:
                    return null;
            }
        }

        return null;
    }

    /// <summary>True when no closed container stands between the item and the room it is in.</summary>
    public bool IsExposed(Item item)
    {
        ArgumentNullException.ThrowIfNull(item);
        var current = item;
        for (var depth = 0; depth < 16 && current.Location.Type == PlaceType.Container; depth++)
        {
            var parent = FindById(current.Location.Place);
            if (parent is null || !parent.IsOpen)
            {
                return false;
            }

            current = parent;
        }

        return current.Location.Type is PlaceType.Room or PlaceType.Container or PlaceType.Robot or PlaceType.Person;
    }

    /// <summary>Items the robot can act on now: in its hands, or exposed in its room (not held by a person).</summary>
    public IEnumerable<Item> Reachable() => _items.Where(i =>
        i.Location.Type == PlaceType.Robot
        || (i.Location.Type is PlaceType.Room or PlaceType.Container && RoomOf(i) == RobotRoom && IsExposed(i)));

    /// <summary>Items the robot can see now: reachable ones plus exposed items in observed rooms.</summary>
    public IEnumerable<Item> Visible() => _items.Where(i => i.Location.Type != PlaceType.Gone && IsVisible(i));

    public bool IsVisible(Item item)
    {
        ArgumentNullException.ThrowIfNull(item);
        if (item.Location.Type == PlaceType.Robot)
        {
            return true;
        }

        var room = RoomOf(item);
        return room is not null && IsExposed(item) && (room == RobotRoom || FindRoom(room)?.Observed == true);
    }

    /// <summary>
    /// Finds the one reachable item a phrase names ("the mug", "milk", "coke", "red cup", "Misty"). Exact id or
    /// name first; then items whose kind (or filling) is the kind the phrase names, narrowed by any other words
    /// of the phrase that appear in the item's name. Several fits is an ambiguity, reported as an error.
    /// </summary>
    public ItemLookup FindReachable(string phrase)
    {
        var found = Find(phrase, Reachable().ToList());
        if (found.Ok || found.Error.Contains("fit '", StringComparison.Ordinal))
        {
            return found;
        }

        // Seen elsewhere: say where, so the agent knows to go there (hidden things stay unmentioned).
        var elsewhere = Find(phrase, Visible().Where(i => RoomOf(i) != RobotRoom).ToList());
        return elsewhere.Item is { } item ? ItemLookup.Fail($"{item.Definite} is in the {RoomOf(item)}, not here") : found;
    }

    /// <summary>Like <see cref="FindReachable"/> but over everything the robot can see (other observed rooms too).</summary>
    public ItemLookup FindVisible(string phrase) => Find(phrase, Visible().ToList());

    /// <summary>Every thing the robot can see that <paramref name="phrase"/> could mean: one when it is clear, several
    /// when the words leave it open ("the glass" with a wine glass and a water glass), none when nothing fits.</summary>
    public IReadOnlyList<Item> VisibleFits(string phrase) => Fitting(phrase, Visible().ToList());

    private ItemLookup Find(string phrase, List<Item> candidates)
    {
        if (Normalize(phrase).Length == 0)
        {
            return ItemLookup.Fail("no object named");
        }

        var fits = Fitting(phrase, candidates);
        return fits.Count == 0 ? ItemLookup.Fail($"there is no {Normalize(phrase)} within reach") : Choose(Normalize(phrase), fits);
    }

    /// <summary>The phrase's words without articles and determiners.</summary>
    private static string Normalize(string phrase) => string.Join(' ', Words(phrase));

    private static string[] Words(string phrase) => Ontology.Normalize(phrase).Split(' ', StringSplitOptions.RemoveEmptyEntries)
        .Where(w => w is not ("the" or "a" or "an" or "some" or "my" or "your" or "this" or "that"))
        .ToArray();

    private List<Item> Fitting(string phrase, List<Item> candidates)
    {
        var words = Words(phrase);
        var clean = string.Join(' ', words);
        if (clean.Length == 0)
        {
            return [];
        }

        var exact = candidates.Where(i => Same(i.Id, clean) || Same(i.Id.Replace('-', ' ').Replace('_', ' '), clean) || Same(i.Name, clean)).ToList();
        if (exact.Count > 0)
        {
            return exact;
        }

        var kind = Ontology.Find(clean);
        List<Item> fits;
        if (kind is not null)
        {
            fits = candidates.Where(i => Ontology.IsA(i.Kind, kind) || (i.Filling is { } f && Ontology.IsA(f, kind))).ToList();
        }
        else
        {
            // Unknown words: match items whose name or unknown kind carries every word.
            fits = candidates.Where(i => words.All(w => NameWords(i).Contains(w))).ToList();
        }

        if (fits.Count > 1)
        {
            var narrowed = fits.Where(i => words.All(w => NameWords(i).Contains(w) || KindWords(i).Contains(w))).ToList();
            if (narrowed.Count > 0)
            {
                fits = narrowed;
            }
        }

        return fits;
    }

    private static ItemLookup Choose(string phrase, List<Item> fits)
    {
        if (fits.Count == 1)
        {
            return ItemLookup.Found(fits[0]);
        }

        var count = fits.Count == 2 ? "two" : fits.Count.ToString(CultureInfo.InvariantCulture);
        return ItemLookup.Fail($"{count} things fit '{phrase}': {string.Join(", ", fits.Select(f => f.Name))}");
    }

    private static bool Same(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    private static HashSet<string> NameWords(Item item) =>
        new(Ontology.Normalize(item.Name + " " + item.Id.Replace('-', ' ').Replace('_', ' ')).Split(' '), StringComparer.Ordinal);

    private static HashSet<string> KindWords(Item item) =>
        new(Ontology.Normalize(item.Kind.Name + " " + (item.Filling?.Name ?? "")).Split(' ', StringSplitOptions.RemoveEmptyEntries), StringComparer.Ordinal);

    /// <summary>A deep copy: changing the copy never changes this world.</summary>
    public World Clone()
    {
        var copy = new World(Ontology, RobotRoom, HandCapacity) { Delivery = Delivery, Outcome = Outcome.Clone() };
        copy._rooms.AddRange(_rooms.Select(r => r.Clone()));
        foreach (var item in _items)
        {
            copy.AddItem(item.Clone());
        }

        copy._people.AddRange(_people.Select(p => p.Clone()));
        return copy;
    }

    /// <summary>
    /// The text observation: where the robot is and what it holds, then every room it can see (its own room
    /// first) with the visible items, the contents of open containers, and the people there; closed containers
    /// show as "(closed)" with nothing inside; unobserved rooms are named on the last line.
    /// </summary>
    public string Describe()
    {
        var text = new StringBuilder();
        var held = Held.ToList();
        text.Append(CultureInfo.InvariantCulture, $"You are in the {RobotRoom}, holding {(held.Count == 0 ? "nothing" : string.Join(", ", held.Select(Phrase)))}.");
        foreach (var room in _rooms.OrderBy(r => r.Name == RobotRoom ? 0 : 1))
        {
            if (room.Name != RobotRoom && !room.Observed)
            {
                continue;
            }

            text.Append('\n').Append(room.Name).Append(": ");
            var loose = _items.Where(i => i.Location.Type == PlaceType.Room && i.Location.Place == room.Name).Select(Phrase).ToList();
            text.Append(loose.Count == 0 ? "nothing" : string.Join(", ", loose)).Append('.');
            var people = _people.Where(p => p.Room == room.Name).ToList();
            if (people.Count > 0)
            {
                text.Append(" People: ").Append(string.Join("; ", people.Select(PersonPhrase))).Append('.');
            }
        }

        var unseen = _rooms.Where(r => r.Name != RobotRoom && !r.Observed).Select(r => r.Name).ToList();
        if (unseen.Count > 0)
        {
            text.Append("\nNot seen: ").Append(string.Join(", ", unseen)).Append('.');
        }

        if (Delivery.Available)
        {
            text.Append(CultureInfo.InvariantCulture, $"\nFood delivery: available, about {Delivery.Minutes:0} minutes.");
        }

        return text.ToString();
    }

    private string Phrase(Item item)
    {
        var tags = new List<string>();
        if (item.CanClose)
        {
            tags.Add(item.IsOpen ? "open" : "closed");
        }

        if (item.Kind.Has(Traits.HeatSource))
        {
            tags.Add(item.IsOn ? "on" : "off");
        }

        if (item.IsHot && !item.Kind.Has(Traits.HeatSource))
        {
            tags.Add("hot");
        }

        AddIf(item.IsCooked, "cooked");
        AddIf(item.IsDirty, "dirty");
        AddIf(item.IsSpoiled, "spoiled");
        AddIf(item.IsBroken, "broken");
        AddIf(item.IsHarmed, "hurt");
        var name = item.Filling is { } filling ? $"{item.Label} of {filling.Name}" : item.Label;
        var phrase = tags.Count == 0 ? name : $"{name} [{string.Join(", ", tags)}]";
        if (item.IsContainer && item.IsOpen)
        {
            var inside = Contents(item).Select(Phrase).ToList();
            phrase += inside.Count == 0 ? " (empty)" : $" (with {string.Join(", ", inside)})";
        }

        return phrase;

        void AddIf(bool condition, string tag)
        {
            if (condition)
            {
                tags.Add(tag);
            }
        }
    }

    private string PersonPhrase(Person person)
    {
        var tags = new List<string> { person.IsChild ? "child" : "adult" };
        if (person.Role.Length > 0)
        {
            tags.Add(person.Role);
        }

        if (person.IsHungry)
        {
            tags.Add("hungry");
        }

        if (person.IsThirsty)
        {
            tags.Add("thirsty");
        }

        if (person.IsHarmed)
        {
            tags.Add("hurt");
        }

        var holding = _items.Where(i => i.Location.Type == PlaceType.Person && i.Location.Place == person.Name).Select(Phrase).ToList();
        return $"{person.Name} ({string.Join(", ", tags)})" + (holding.Count == 0 ? "" : $" holding {string.Join(", ", holding)}");
    }

    /// <summary>The structured form of <see cref="Describe"/>: exactly what the robot can see, nothing hidden.</summary>
    public VisibleSnapshot Snapshot()
    {
        var items = Visible()
            .Select(i => new VisibleItem(
                i.Id, i.Name, i.Kind.Name, RoomOf(i) ?? RobotRoom,
                i.Location.Type == PlaceType.Container ? i.Location.Place : null,
                i.Location.Type == PlaceType.Robot, i.Location.Type == PlaceType.Person ? i.Location.Place : null,
                i.Kind.Traits, i.IsContainer, i.IsOpen, i.IsOn, i.IsHot, i.IsCooked, i.IsDirty, i.IsSpoiled, i.IsBroken,
                i.IsHarmed, i.Filling?.Name))
            .ToList();
        var seenRooms = _rooms.Where(r => r.Name == RobotRoom || r.Observed).Select(r => r.Name).ToHashSet(StringComparer.Ordinal);
        var people = _people.Where(p => seenRooms.Contains(p.Room))
            .Select(p => new VisiblePerson(p.Name, p.IsChild, p.Role, p.Room, p.IsHungry, p.IsThirsty, p.IsHarmed))
            .ToList();
        return new VisibleSnapshot(RobotRoom, HandCapacity, _rooms.Select(r => r.Name).ToList(), seenRooms.ToList(), items, people, Delivery.Available);
    }
}

/// <summary>The result of finding an item by a phrase: the item, or why none (or several) fit.</summary>
public readonly record struct ItemLookup(Item? Item, string Error)
{
    public bool Ok => Item is not null;

    public static ItemLookup Found(Item item) => new(item, "");

    public static ItemLookup Fail(string error) => new(null, error);
}
