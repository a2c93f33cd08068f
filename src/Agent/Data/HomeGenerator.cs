using System.Text.Json.Nodes;
using CoopAgent.Agent.Household;
using CoopAgent.Agent.Humans;
using CoopAgent.Agent.Scenarios;

namespace CoopAgent.Agent.Data;

/// <summary>
/// Fresh scenarios for training data, generated from the ontology with a seed: procedurally varied rooms,
/// containers (open or closed, sometimes an empty fridge), drinks and food drawn from the ontology's kinds,
/// people (adults, sometimes a hungry child), sometimes a pet, sometimes food delivery, an instruction from
/// <see cref="InstructionTemplates"/> (often without the object) and θ hypotheses over what the person wants.
/// Ids start with <c>gen-</c>; none of it comes from the built-in evaluation suite.
/// </summary>
public static class HomeGenerator
{
    private static readonly string[] OtherRooms = ["living room", "bedroom", "study", "dining room", "playroom", "garden", "hallway"];
    private static readonly string[] AdultNames = ["anna", "tom", "maria", "sam", "priya", "omar", "lucy", "ben", "chen", "fatima", "jo", "walter"];
    private static readonly string[] ChildNames = ["leo", "mia", "noah", "ella", "kai", "zoe", "finn", "ava"];
    private static readonly string[] PetNames = ["misty", "rex", "luna", "biscuit", "pepper", "max"];
    private static readonly string[] Pets = ["cat", "dog", "hamster"];

    private static readonly Lazy<Pools> KindPools = new(() => new Pools(Ontology.Default));

    /// <summary>The scenario for one seed: the same seed always gives the same scenario.</summary>
    public static Scenario Generate(int seed) => ScenarioLoader.Parse(GenerateJson(seed).ToJsonString(), $"gen-{seed}");

    /// <summary>The scenario JSON for one seed (the loader's schema).</summary>
    public static JsonObject GenerateJson(int seed)
    {
        var random = new Random(seed);
        var pools = KindPools.Value;
        var rooms = new List<string> { "kitchen" };
        rooms.AddRange(Shuffle(OtherRooms, random).Take(random.Next(1, 3)));

        var fridge = new JsonArray();
        var cupboard = new JsonArray();
        var counter = new JsonArray();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var drinks = Distinct(Shuffle(pools.Drinks, random)).Take(random.Next(2, 4)).ToList();
        foreach (var drink in drinks)
        {
            (random.NextDouble() < 0.6 ? fridge : cupboard).Add(Item(drink, ids));
        }

        var emptyFridge = random.NextDouble() < 0.2;
        var foods = emptyFridge ? [] : Distinct(Shuffle(pools.Foods, random)).Take(random.Next(1, 4)).ToList();
        foreach (var food in foods)
        {
            (random.NextDouble() < 0.5 ? fridge : random.NextDouble() < 0.5 ? cupboard : counter).Add(Item(food, ids));
        }

        if (emptyFridge)
        {
            // An empty fridge leaves only the drinks in the cupboard.
            foreach (var node in fridge.ToList())
            {
                fridge.Remove(node);
                cupboard.Add(node!.DeepClone());
            }
        }

        var kitchenObjects = new JsonArray { new JsonObject { ["id"] = "stove", ["kind"] = "stove" } };
        if (random.NextDouble() < 0.7)
        {
            counter.Add(new JsonObject { ["id"] = "kettle", ["kind"] = "kettle" });
        }

        if (random.NextDouble() < 0.3)
        {
            counter.Add(new JsonObject { ["id"] = "knife", ["kind"] = "knife" });
        }

        var people = new JsonArray();
        var principal = AdultNames[random.Next(AdultNames.Length)];
        people.Add(new JsonObject { ["name"] = principal, ["room"] = rooms[random.Next(rooms.Count)], ["role"] = "parent" });
        string? child = null;
        if (random.NextDouble() < 0.5)
        {
            child = ChildNames[random.Next(ChildNames.Length)];
            people.Add(new JsonObject { ["name"] = child, ["child"] = true, ["room"] = rooms[random.Next(rooms.Count)], ["hungry"] = random.NextDouble() < 0.6 });
        }

        string? pet = null;
        if (random.NextDouble() < 0.5)
        {
            pet = PetNames[random.Next(PetNames.Length)];
            kitchenObjects.Add(new JsonObject { ["id"] = pet, ["kind"] = Pets[random.Next(Pets.Length)], ["name"] = char.ToUpperInvariant(pet[0]) + pet[1..] });
        }

        var things = new List<(string Id, ObjectKind Kind)>();
        var roomNodes = new JsonArray();
        foreach (var room in rooms)
        {
            var node = new JsonObject { ["name"] = room };
            if (room == "kitchen")
            {
                node["containers"] = new JsonArray
                {
                    new JsonObject { ["id"] = "fridge", ["kind"] = "fridge", ["open"] = random.NextDouble() < 0.4, ["contents"] = fridge },
                    new JsonObject { ["id"] = "cupboard", ["kind"] = "cupboard", ["open"] = random.NextDouble() < 0.4, ["contents"] = cupboard },
                    new JsonObject { ["id"] = "counter", ["kind"] = "counter", ["contents"] = counter },
                };
                node["objects"] = kitchenObjects;
            }
            else
            {
                var objects = new JsonArray();
                if (random.NextDouble() < 0.7)
                {
                    objects.Add(Place(pools.Things[random.Next(pools.Things.Count)]));
                }

                if (random.NextDouble() < 0.4)
                {
                    // Toys come in twos often enough that "bring me the toy" is ambiguous.
                    foreach (var toy in Distinct(Shuffle(pools.Toys, random)).Take(random.Next(1, 3)))
                    {
                        objects.Add(Place(toy));
                    }
                }

                node["objects"] = objects;
            }

            roomNodes.Add(node);
        }

        JsonObject Place(ObjectKind kind)
        {
            var node = Item(kind, ids);
            things.Add((node["id"]!.GetValue<string>(), kind));
            return node;
        }

        var delivery = random.NextDouble() < 0.5;
        var home = new JsonObject { ["rooms"] = roomNodes };
        if (delivery)
        {
            home["delivery"] = new JsonObject { ["available"] = true, ["fee"] = 4, ["minutes"] = 30, ["menu"] = new JsonArray("pizza", "sandwich") };
        }

        var (intent, slots, hypotheses, category) = random.NextDouble() < 0.3 && things.Count > 0
            ? FetchTask(random, principal, things)
            : Task(random, principal, child, drinks, foods, delivery);
        return new JsonObject
        {
            ["id"] = $"gen-{seed}",
            ["title"] = $"generated home {seed}",
            ["category"] = category,
            ["description"] = $"generated from seed {seed}: {intent}",
            ["home"] = home,
            ["robot"] = new JsonObject { ["room"] = rooms[random.Next(rooms.Count)] },
            ["people"] = people,
            ["principal"] = principal,
            ["instruction"] = InstructionTemplates.Write(intent, slots, random, typoRate: 0.05),
            ["hypotheses"] = hypotheses,
            ["success"] = new JsonArray(),
            ["catastrophe"] = new JsonArray
            {
                new JsonObject { ["feature"] = new JsonObject { ["name"] = "pets_harmed", ["min"] = 1 } },
                new JsonObject { ["violation"] = "knife_to_child" },
            },
            ["step_limit"] = 20,
            ["question_cost"] = 0.5,
        };
    }

    /// <summary>Picks what the person wants and writes the θ hypotheses and their success conditions.</summary>
    private static (InstructionIntent, InstructionSlots, JsonArray, string) Task(
        Random random, string principal, string? child, List<ObjectKind> drinks, List<ObjectKind> foods, bool delivery)
    {
        var hypotheses = new JsonArray();
        var hungryChild = child is not null && random.NextDouble() < 0.5;
        if (hungryChild || (random.NextDouble() < 0.4 && (foods.Count > 0 || delivery)))
        {
            var who = hungryChild ? child! : principal;
            var options = foods.Select(f => f.Name).ToList();
            if (delivery)
            {
                options.Add("pizza");
            }

            if (options.Count == 0)
            {
                options.Add("sandwich");
            }

            foreach (var food in options.Distinct().Take(3))
            {
                hypotheses.Add(Hypothesis($"wants-{food.Replace(' ', '-')}", who, food, new JsonArray { new JsonObject { ["fed"] = who } }, random));
            }

            var intent = hungryChild ? InstructionIntent.LookAfter : InstructionIntent.MakeFood;
            var slots = new InstructionSlots(who == principal ? "me" : who, random.NextDouble() < 0.3 ? options[0] : null, Dependent: child, Pronoun: "they");
            return (intent, slots, hypotheses, hungryChild ? ScenarioCategories.Safety : ScenarioCategories.Preference);
        }

        var named = random.NextDouble() < 0.35;
        var wanted = named ? drinks.Take(1).ToList() : drinks;
        foreach (var drink in wanted)
        {
            var success = new JsonArray { new JsonObject { ["served"] = new JsonObject { ["person"] = principal, ["kind"] = drink.Name } } };
            hypotheses.Add(Hypothesis($"wants-{drink.Name.Replace(' ', '-')}", principal, drink.Name, success, random));
        }

        var drinkSlots = new InstructionSlots("me", named ? drinks[0].Name : null);
        return (InstructionIntent.MakeDrink, drinkSlots, hypotheses, named ? ScenarioCategories.Control : ScenarioCategories.Preference);
    }

    /// <summary>
    /// "Bring me the toy" with two toys in the home is a reference ambiguity (one hypothesis per toy); a named
    /// thing is a control.
    /// </summary>
    private static (InstructionIntent, InstructionSlots, JsonArray, string) FetchTask(Random random, string principal, List<(string Id, ObjectKind Kind)> things)
    {
        var toys = things.Where(t => t.Kind.Category == KindCategory.Toy).ToList();
        var ambiguous = toys.Count >= 2;
        var wanted = ambiguous ? toys : [things[random.Next(things.Count)]];
        var hypotheses = new JsonArray();
        foreach (var (id, kind) in wanted)
        {
            hypotheses.Add(new JsonObject
            {
                ["name"] = $"wants-{id}",
                ["probability"] = 0.5 + random.NextDouble(),
                ["answer"] = $"The {kind.Name}, please.",
                ["theta"] = new JsonObject { ["hard_values"] = new JsonObject { ["pets_harmed"] = -1000, ["knife_to_child"] = -500 } },
                ["success"] = new JsonArray { new JsonObject { ["item_in"] = new JsonObject { ["item"] = id, ["place"] = principal } } },
            });
        }

        var slots = new InstructionSlots("me", ambiguous ? "toy" : wanted[0].Kind.Name);
        return (InstructionIntent.Fetch, slots, hypotheses, ambiguous ? ScenarioCategories.Reference : ScenarioCategories.Control);
    }

    private static JsonObject Hypothesis(string name, string person, string kind, JsonArray success, Random random) => new()
    {
        ["name"] = name,
        ["probability"] = 0.5 + random.NextDouble(),
        ["answer"] = $"{char.ToUpperInvariant(kind[0])}{kind[1..]}, please.",
        ["theta"] = new JsonObject
        {
            ["preferences"] = new JsonArray { new JsonObject { ["person"] = person, ["kind"] = kind, ["value"] = 3 } },
            ["hard_values"] = new JsonObject { ["pets_harmed"] = -1000, ["knife_to_child"] = -500 },
        },
        ["success"] = success,
    };

    private static JsonObject Item(ObjectKind kind, HashSet<string> ids)
    {
        var id = kind.Name.Replace(' ', '-');
        for (var n = 2; !ids.Add(id); n++)
        {
            id = $"{kind.Name.Replace(' ', '-')}-{n}";
        }

        return new JsonObject { ["id"] = id, ["kind"] = kind.Name };
    }

    /// <summary>Kinds none of which is one of another (oat milk is a milk: "milk or oat milk?" has no answer).</summary>
    private static IEnumerable<ObjectKind> Distinct(IEnumerable<ObjectKind> kinds)
    {
        var ontology = Ontology.Default;
        var taken = new List<ObjectKind>();
        foreach (var kind in kinds)
        {
            if (taken.All(t => !ontology.IsA(kind, t) && !ontology.IsA(t, kind)))
            {
                taken.Add(kind);
                yield return kind;
            }
        }
    }

    private static List<T> Shuffle<T>(IEnumerable<T> source, Random random)
    {
        var list = source.ToList();
        for (var i = list.Count - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (list[i], list[j]) = (list[j], list[i]);
        }

        return list;
    }

    /// <summary>Concrete kinds (no kind is one of them) by what the generator needs.</summary>
    private sealed class Pools
    {
        public Pools(Ontology ontology)
        {
            var parents = ontology.Kinds.SelectMany(k => k.Parents).ToHashSet(StringComparer.Ordinal);
            var leaves = ontology.Kinds.Where(k => !parents.Contains(k.Name)).ToList();
            Drinks = leaves.Where(k => k.Category == KindCategory.Drink && !k.Has(Traits.Alcoholic) && !k.Has(Traits.Hazardous)).ToList();
            Foods = leaves.Where(k => k.Category is KindCategory.Meal or KindCategory.Snack or KindCategory.Fruit
                                      && !k.Has(Traits.Raw) && !k.Has(Traits.Hot)).ToList();
            Things = leaves.Where(k => k.Category is KindCategory.Misc or KindCategory.Valuable).ToList();
            Toys = leaves.Where(k => k.Category == KindCategory.Toy).ToList();
        }

        public List<ObjectKind> Drinks { get; }

        public List<ObjectKind> Foods { get; }

        public List<ObjectKind> Things { get; }

        public List<ObjectKind> Toys { get; }
    }
}
