namespace CoopAgent.Agent.Household;

/// <summary>
/// Attributes of an object kind. Rewards and preferences are written over these (a child's θ may say
/// "caffeinated −1"), and the simulator's preconditions and safety rules read them.
/// </summary>
[Flags]
public enum Traits : long
{
    None = 0,
    Edible = 1L << 0,
    Cookable = 1L << 1,
    Drinkable = 1L << 2,
    Caffeinated = 1L << 3,
    Sugary = 1L << 4,
    Carbonated = 1L << 5,
    Hot = 1L << 6,
    Alcoholic = 1L << 7,
    Pet = 1L << 8,
    Person = 1L << 9,
    Child = 1L << 10,
    Fragile = 1L << 11,
    Valuable = 1L << 12,
    Sharp = 1L << 13,
    Hazardous = 1L << 14,
    Cleaning = 1L << 15,
    Utensil = 1L << 16,
    Appliance = 1L << 17,
    Toy = 1L << 18,

    /// <summary>Must be cooked before it feeds anyone (raw meat, eggs, rice, pasta, flour).</summary>
    Raw = 1L << 19,

    /// <summary>Can be poured (drinks, oil, detergent).</summary>
    Liquid = 1L << 20,

    /// <summary>Holds a poured drink or a served food (mug, glass, bowl, plate).</summary>
    Vessel = 1L << 21,

    /// <summary>Something to cook or heat on or in (stove, oven, microwave, kettle).</summary>
    HeatSource = 1L << 22,

    /// <summary>Too big or built in to be carried (fridge, stove, table, sofa).</summary>
    Fixed = 1L << 23,

    /// <summary>Holds other objects (fridge, cupboard, drawer, box, table as a surface).</summary>
    Container = 1L << 24,

    /// <summary>A living being that can be harmed (pets, plants are not here).</summary>
    Living = 1L << 25,
    Meat = 1L << 26,
    Dairy = 1L << 27,
    Nuts = 1L << 28,
    Spicy = 1L << 29,
    Vegetable = 1L << 30,
    Fruit = 1L << 31,
    Snack = 1L << 32,

    /// <summary>Has a door or lid that shuts (fridge, cupboard, drawer, oven, box); surfaces do not.</summary>
    Closable = 1L << 33,

    /// <summary>Not in the ontology: nothing is known about the object beyond its name.</summary>
    Unknown = 1L << 40,
}

/// <summary>Broad groups of kinds, for descriptions, generators and per-category statistics.</summary>
public enum KindCategory
{
    Unknown,
    Drink,
    Food,
    Ingredient,
    Fruit,
    Vegetable,
    Snack,
    Meal,
    Tableware,
    Cookware,
    Cleaning,
    Tool,
    Appliance,
    Furniture,
    Valuable,
    Toy,
    Clothing,
    Medicine,
    Animal,
    Person,
    Plant,
    Misc,
}

/// <summary>Parsing and naming of <see cref="Traits"/> in the snake-case words used by JSON and θ.</summary>
public static class TraitNames
{
    private static readonly Dictionary<string, Traits> ByName = Enum.GetValues<Traits>()
        .Where(t => t != Traits.None)
        .ToDictionary(t => Word(t), t => t, StringComparer.OrdinalIgnoreCase);

    /// <summary>The lower-case word for one trait: <c>Traits.HeatSource</c> → <c>heat_source</c>.</summary>
    public static string Word(Traits trait)
    {
        var name = trait.ToString();
        var builder = new System.Text.StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0)
            {
                builder.Append('_');
            }

            builder.Append(char.ToLowerInvariant(name[i]));
        }

        return builder.ToString();
    }

    /// <summary>Finds a single trait by its word (<c>caffeinated</c>, <c>heat_source</c>); case-insensitive.</summary>
    public static bool TryParse(string word, out Traits trait) => ByName.TryGetValue(word.Trim(), out trait);

    /// <summary>The words of every trait set in <paramref name="traits"/>, in declaration order.</summary>
    public static IReadOnlyList<string> Words(Traits traits) => Enum.GetValues<Traits>()
        .Where(t => t != Traits.None && traits.HasFlag(t))
        .Select(Word)
        .ToList();

    /// <summary>Every trait word that exists.</summary>
    public static IEnumerable<string> All => ByName.Keys;
}
