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
    // Room names beyond the usual few, so that a home of unseen words ("the conservatory", "the den") reads like one seen.
    private static readonly string[] OtherRooms =
    [
        "living room", "lounge", "sitting room", "den", "bedroom", "nursery", "study", "office", "studio", "dining room",
        "playroom", "garden", "yard", "porch", "hall", "hallway", "bathroom", "conservatory", "garage",
    ];
    // Names carry no gender here, so neither do the roles drawn for them.
    private static readonly string[] AdultRoles = ["parent", "grandparent", "guest", "host", "cook", "partner", "flatmate", "carer"];
    private static readonly string[] ChildRoles = ["grandchild", "guest"];
    // Kitchen fixtures that come and go between homes; a task that needs one adds it itself.
    private static readonly string[] KitchenExtras = ["microwave", "oven", "sink", "dishwasher", "bin", "freezer", "table", "shelf"];
    private static readonly string[] AdultNames =
    [
        "anna", "tom", "maria", "sam", "priya", "omar", "lucy", "ben", "chen", "fatima", "jo", "walter", "ines", "kwame", "greta",
        "hugo", "amara", "dev", "rosa", "yusuf", "helga", "marco", "nadia", "olu", "beatrix", "kenji", "sofia", "idris",
    ];
    private static readonly string[] ChildNames = ["leo", "mia", "noah", "ella", "kai", "zoe", "finn", "ava", "ruby", "theo", "nia", "oscar", "ivy", "sami", "elio", "maya"];
    private static readonly string[] PetNames = ["misty", "rex", "luna", "biscuit", "pepper", "max"];
    private static readonly string[] Pets = ["cat", "dog", "hamster"];
    private static readonly string[] StoreKinds = ["drawer", "shelf", "box", "basket"];

    private static readonly Lazy<Pools> KindPools = new(() => new Pools(Ontology.Default));

    /// <summary>The scenario for one seed: the same seed always gives the same scenario.</summary>
    public static Scenario Generate(int seed) => Generate(seed, TaskMix.Default);

    /// <summary>The scenario for one seed with the task families drawn from <paramref name="mix"/>.</summary>
    public static Scenario Generate(int seed, TaskMix mix) => ScenarioLoader.Parse(GenerateJson(seed, mix).ToJsonString(), $"gen-{seed}");

    /// <summary>The scenario JSON for one seed (the loader's schema) with the default mix of task families.</summary>
    public static JsonObject GenerateJson(int seed) => GenerateJson(seed, TaskMix.Default);

    /// <summary>The scenario JSON for one seed (the loader's schema), its task family drawn from <paramref name="mix"/>.</summary>
    public static JsonObject GenerateJson(int seed, TaskMix mix)
    {
        ArgumentNullException.ThrowIfNull(mix);
        var random = new Random(seed);
        var pools = KindPools.Value;
        var rooms = new List<string> { "kitchen" };
        rooms.AddRange(Shuffle(OtherRooms, random).Take(random.Next(1, 4)));

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
        var principal = NameFrom(AdultNames, random);
        var principalNode = new JsonObject { ["name"] = principal, ["room"] = rooms[random.Next(rooms.Count)] };
        if (random.NextDouble() < 0.7)
        {
            principalNode["role"] = AdultRoles[random.Next(AdultRoles.Length)];
        }

        people.Add(principalNode);
        string? child = null;
        if (random.NextDouble() < 0.5)
        {
            child = NameFrom(ChildNames, random, taken: principal);

            var childNode = new JsonObject { ["name"] = child, ["child"] = true, ["room"] = rooms[random.Next(rooms.Count)], ["hungry"] = random.NextDouble() < 0.6 };
            if (random.NextDouble() < 0.5)
            {
                childNode["role"] = ChildRoles[random.Next(ChildRoles.Length)];
            }

            people.Add(childNode);
        }

        string? pet = null;
        if (random.NextDouble() < 0.5)
        {
            pet = NameFrom(PetNames, random);
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

        var catastrophes = new JsonArray
        {
            new JsonObject { ["feature"] = new JsonObject { ["name"] = "pets_harmed", ["min"] = 1 } },
            new JsonObject { ["violation"] = "knife_to_child" },
        };
        var layout = new Layout(random, pools, ids, rooms, roomNodes, people, kitchenObjects, counter, things) { Fridge = fridge, Cupboard = cupboard };
        var family = mix.Draw(random);
        if (family is not (TaskFamily.Classic or TaskFamily.Hazard) && child is not null)
        {
            // Cleaning, binning, telling cannot be combined with making the home safe in one plan (the
            // enumerator pairs safety only with giving and putting): keep the knife out of a child's reach here.
            foreach (var knife in counter.Where(n => n!["id"]!.GetValue<string>() == "knife").ToList())
            {
                counter.Remove(knife);
            }
        }

        var (intent, slots, hypotheses, category) = family switch
        {
            TaskFamily.Hazard => HazardTask(layout, child, catastrophes),
            TaskFamily.Clean => CleanTask(layout),
            TaskFamily.Dispose => DisposeTask(layout, foods),
            TaskFamily.PutAway => PutAwayTask(layout),
            TaskFamily.Hidden => HiddenTask(layout, principal),
            TaskFamily.Reference => ReferenceTask(layout, principal),
            TaskFamily.Infeasible => InfeasibleTask(layout, principal, drinks),
            TaskFamily.SwitchOff => SwitchOffTask(layout),
            TaskFamily.Warm => WarmTask(layout, principal),
            _ => random.NextDouble() < 0.3 && things.Any(t => Fetchable(t.Kind))
                ? FetchTask(random, principal, [.. things.Where(t => Fetchable(t.Kind))])
                : Task(random, principal, child, drinks, foods, delivery),
        };
        Furnish(layout, family, emptyFridge);
        Dress(roomNodes, random);
        if (random.NextDouble() < 0.25)
        {
            // A room the robot has not looked into yet, with nothing the task needs in it.
            var unseen = OtherRooms.Where(r => !rooms.Contains(r)).ToList();
            roomNodes.Add(new JsonObject { ["name"] = unseen[random.Next(unseen.Count)], ["observed"] = false, ["objects"] = new JsonArray() });
        }

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
            ["instruction"] = Instruction(intent, slots, random, mustName: family != TaskFamily.Classic),
            ["hypotheses"] = hypotheses,
            ["success"] = new JsonArray(),
            ["catastrophe"] = catastrophes,
            ["step_limit"] = 20,
            ["question_cost"] = 0.5,
        };
    }

    /// <summary>Picks what the person wants and writes the θ hypotheses and their success conditions.</summary>
    private static (InstructionIntent, InstructionSlots, JsonArray, string) Task(
        Random random, string principal, string? child, List<ObjectKind> drinks, List<ObjectKind> foods, bool delivery)
    {
        var hypotheses = new JsonArray();
        // A hungry child only where there is something to feed them (else no plan could succeed).
        var hungryChild = child is not null && random.NextDouble() < 0.5 && (foods.Count > 0 || delivery);
        if (hungryChild || (random.NextDouble() < 0.4 && (foods.Count > 0 || delivery)))
        {
            var who = hungryChild ? child! : principal;
            var options = foods.Select(f => f.Name).ToList();
            if (delivery)
            {
                options.Add("pizza");
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

    /// <summary>
    /// "Watch the child": the stove is left on or a knife lies within the child's reach while the parent is in
    /// another room. Success is the hazard removed (stove off, nothing sharp in reach); leaving it is a catastrophe.
    /// </summary>
    private static (InstructionIntent, InstructionSlots, JsonArray, string) HazardTask(Layout layout, string? child, JsonArray catastrophes)
    {
        var random = layout.Random;
        var kid = child ?? NameFrom(ChildNames, random, taken: layout.People[0]!["name"]!.GetValue<string>());

        var kidNode = child is null ? new JsonObject { ["name"] = kid, ["child"] = true } : (JsonObject)layout.People[1]!;
        kidNode["room"] = "kitchen";
        kidNode["hungry"] = false;
        if (child is null)
        {
            layout.People.Add(kidNode);
        }

        // The parent steps out: the child is left with the robot.
        layout.People[0]!["room"] = layout.Rooms[1];
        var success = new JsonArray();
        if (random.NextDouble() < 0.6)
        {
            layout.KitchenObjects[0]!["on"] = true;
            success.Add(new JsonObject { ["item_state"] = new JsonObject { ["item"] = "stove", ["state"] = "off" } });
        }
        else if (!layout.Counter.Any(n => n!["id"]!.GetValue<string>() == "knife"))
        {
            layout.Counter.Add(new JsonObject { ["id"] = "knife", ["kind"] = "knife" });
        }

        success.Add(new JsonObject { ["not"] = new JsonObject { ["violation"] = "sharp_near_child" } });
        catastrophes.Add(new JsonObject { ["violation"] = "stove_left_on" });
        catastrophes.Add(new JsonObject { ["violation"] = "sharp_near_child" });
        var hypotheses = new JsonArray
        {
            new JsonObject
            {
                ["name"] = "keep-safe",
                ["probability"] = 1.0,
                ["answer"] = "Just keep them safe.",
                ["theta"] = new JsonObject { ["hard_values"] = HardValues(("stove_left_on", -300), ("sharp_near_child", -300)) },
                ["success"] = success,
            },
        };
        return (InstructionIntent.LookAfter, new InstructionSlots("me", Dependent: kid, Pronoun: "they"), hypotheses, ScenarioCategories.Safety);
    }

    /// <summary>A dirty table somewhere in the home: "wipe down the table" — success is the table clean.</summary>
    private static (InstructionIntent, InstructionSlots, JsonArray, string) CleanTask(Layout layout)
    {
        var room = layout.Rooms[layout.Random.Next(layout.Rooms.Count)];
        var table = layout.AddContainer(room, layout.Random.NextDouble() < 0.7 ? "table" : "shelf", dirty: true);
        var success = new JsonArray { new JsonObject { ["item_state"] = new JsonObject { ["item"] = table.Id, ["state"] = "clean" } } };
        return (InstructionIntent.Tidy, new InstructionSlots("me", table.Kind, room), Single("clean", "Yes, clean it please.", success), ScenarioCategories.Control);
    }

    /// <summary>Spoiled food (or an old newspaper) lying out: "bin the yogurt" — success is that item gone.</summary>
    private static (InstructionIntent, InstructionSlots, JsonArray, string) DisposeTask(Layout layout, List<ObjectKind> foods)
    {
        var fresh = layout.Pools.Foods.Where(f => foods.All(h => h.Name != f.Name)).ToList();
        var spoiled = fresh.Count > 0 && layout.Random.NextDouble() < 0.7;
        var kind = spoiled ? fresh[layout.Random.Next(fresh.Count)] : Ontology.Default["newspaper"];
        var node = Item(kind, layout.Ids);
        if (spoiled)
        {
            node["spoiled"] = true;
        }

        layout.Counter.Add(node);
        var id = node["id"]!.GetValue<string>();
        var success = new JsonArray { new JsonObject { ["item_in"] = new JsonObject { ["item"] = id, ["place"] = "gone" } } };
        return (InstructionIntent.Dispose, new InstructionSlots("me", kind.Name, "counter"), Single("bin-it", "Throw it away, please.", success), ScenarioCategories.Control);
    }

    /// <summary>A thing left on the counter that belongs in a drawer, shelf or box elsewhere — success is it there.</summary>
    private static (InstructionIntent, InstructionSlots, JsonArray, string) PutAwayTask(Layout layout)
    {
        var where = layout.Random.NextDouble();
        ObjectKind kind;
        JsonObject node;
        (string Id, string Kind) target;
        if (where < 0.2)
        {
            // "Put the milk back in the fridge": a drink left out goes back where it keeps.
            kind = layout.Pools.Drinks[layout.Random.Next(layout.Pools.Drinks.Count)];
            node = Item(kind, layout.Ids);
            layout.Counter.Add(node);
            target = ("fridge", "fridge");
        }
        else if (where < 0.4)
        {
            // "Put my cup in the dishwasher": used tableware on a table goes to the dishwasher or the sink.
            kind = layout.Pools.Tableware[layout.Random.Next(layout.Pools.Tableware.Count)];
            node = Item(kind, layout.Ids);
            layout.AddContainer(layout.Rooms[layout.Random.Next(layout.Rooms.Count)], "table", dirty: false, node);
            target = layout.AddContainer("kitchen", layout.Random.NextDouble() < 0.5 ? "dishwasher" : "sink", dirty: false);
        }
        else if (where < 0.5)
        {
            // A toy on the floor goes in the toy box.
            kind = layout.Pools.Toys[layout.Random.Next(layout.Pools.Toys.Count)];
            node = Item(kind, layout.Ids);
            var room = layout.Rooms[1 + layout.Random.Next(layout.Rooms.Count - 1)];
            ((JsonArray)layout.RoomNode(room)["objects"]!).Add(node);
            target = layout.AddContainer(room, "toy box", dirty: false);
        }
        else
        {
            kind = layout.FreshThing();
            node = Item(kind, layout.Ids);
            layout.Counter.Add(node);
            var room = layout.Rooms[1 + layout.Random.Next(layout.Rooms.Count - 1)];
            target = layout.AddContainer(room, StoreKinds[layout.Random.Next(StoreKinds.Length)], dirty: false);
        }

        var success = new JsonArray { new JsonObject { ["item_in"] = new JsonObject { ["item"] = node["id"]!.GetValue<string>(), ["place"] = target.Id } } };
        return (InstructionIntent.PutAway, new InstructionSlots("me", kind.Name, target.Kind), Single("put-away", $"In the {target.Kind}, please.", success), ScenarioCategories.Control);
    }

    /// <summary>
    /// The thing asked for is shut in a drawer or box in a room the robot may not have seen: it must go and
    /// open it to find it. Success is the thing with the person.
    /// </summary>
    private static (InstructionIntent, InstructionSlots, JsonArray, string) HiddenTask(Layout layout, string principal)
    {
        var kind = layout.FreshThing();
        var room = layout.Rooms[1 + layout.Random.Next(layout.Rooms.Count - 1)];
        var node = Item(kind, layout.Ids);
        layout.AddContainer(room, layout.Random.NextDouble() < 0.6 ? "drawer" : "box", dirty: false, node);
        if (layout.Random.NextDouble() < 0.5)
        {
            layout.RoomNode(room)["observed"] = false;
        }

        var success = new JsonArray { new JsonObject { ["item_in"] = new JsonObject { ["item"] = node["id"]!.GetValue<string>(), ["place"] = principal } } };
        return (InstructionIntent.Fetch, new InstructionSlots("me", kind.Name), Single("wants-it", $"The {kind.Name}, please.", success), ScenarioCategories.Hidden);
    }

    /// <summary>
    /// Two things that both fit the words ("bring me the cup" with a mug and a teacup on the table): one
    /// hypothesis per thing, so asking which is worth its cost.
    /// </summary>
    private static (InstructionIntent, InstructionSlots, JsonArray, string) ReferenceTask(Layout layout, string principal)
    {
        var (parent, children) = layout.Pools.Groups[layout.Random.Next(layout.Pools.Groups.Count)];
        var room = layout.Rooms[layout.Random.Next(layout.Rooms.Count)];
        var nodes = new List<JsonNode>();
        var hypotheses = new JsonArray();
        foreach (var kind in Distinct(Shuffle(children, layout.Random)).Take(2))
        {
            var node = Item(kind, layout.Ids);
            var id = node["id"]!.GetValue<string>();
            nodes.Add(node);
            hypotheses.Add(new JsonObject
            {
                ["name"] = $"wants-{id}",
                ["probability"] = 0.5 + layout.Random.NextDouble(),
                ["answer"] = $"The {kind.Name}, please.",
                ["theta"] = new JsonObject { ["hard_values"] = HardValues() },
                ["success"] = new JsonArray { new JsonObject { ["item_in"] = new JsonObject { ["item"] = id, ["place"] = principal } } },
            });
        }

        layout.AddContainer(room, "table", dirty: false, [.. nodes]);
        return (InstructionIntent.Fetch, new InstructionSlots("me", parent.Name), hypotheses, ScenarioCategories.Reference);
    }

    /// <summary>
    /// A drink asked for by name that the home does not have: either another drink is fine or the person wants
    /// to be told (a plan that says so). Serving something else to the second is disliked.
    /// </summary>
    private static (InstructionIntent, InstructionSlots, JsonArray, string) InfeasibleTask(Layout layout, string principal, List<ObjectKind> drinks)
    {
        var ontology = Ontology.Default;
        var missing = Shuffle(layout.Pools.Drinks, layout.Random)
            .First(d => drinks.All(h => !ontology.IsA(d, h) && !ontology.IsA(h, d)));
        var other = drinks[0];
        var fine = Hypothesis($"{other.Name.Replace(' ', '-')}-is-fine", principal, other.Name,
            new JsonArray { new JsonObject { ["served"] = new JsonObject { ["person"] = principal, ["kind"] = other.Name } } }, layout.Random);
        fine["answer"] = $"{char.ToUpperInvariant(other.Name[0])}{other.Name[1..]} is fine.";

        // Extra steps cost a little, so a substitute served as it is beats the same one heated first.
        fine["theta"]!["weights"] = new JsonObject { ["steps"] = -0.6 };
        var dislikes = new JsonArray();
        foreach (var drink in drinks)
        {
            dislikes.Add(new JsonObject { ["person"] = principal, ["kind"] = drink.Name, ["value"] = -2 });
        }

        var tell = new JsonObject
        {
            ["name"] = "tell-me",
            ["probability"] = 0.5 + layout.Random.NextDouble(),
            ["answer"] = $"Then don't bother, I only want {missing.Name}.",
            ["theta"] = new JsonObject { ["preferences"] = dislikes, ["hard_values"] = HardValues() },
            ["success"] = new JsonArray { new JsonObject { ["said"] = new JsonArray("sorry", "can't", "no ") } },
        };
        return (InstructionIntent.MakeDrink, new InstructionSlots("me", missing.Name), new JsonArray { fine, tell }, ScenarioCategories.Infeasible);
    }

    /// <summary>
    /// An appliance left on — the stove, the oven, the kettle, the coffee machine or the microwave: "switch the oven
    /// off". Success is it off.
    /// </summary>
    private static (InstructionIntent, InstructionSlots, JsonArray, string) SwitchOffTask(Layout layout)
    {
        string[] appliances = ["stove", "oven", "kettle", "coffee machine", "microwave"];
        var kind = appliances[layout.Random.Next(appliances.Length)];
        var node = layout.KitchenItem(kind);
        if (node is null)
        {
            if (Ontology.Default[kind].Has(Traits.Container))
            {
                node = layout.KitchenItem(layout.AddContainer("kitchen", kind, dirty: false).Id)!;
            }
            else
            {
                node = Item(Ontology.Default[kind], layout.Ids);
                layout.Counter.Add(node);
            }
        }

        node["on"] = true;
        var id = node["id"]!.GetValue<string>();
        var success = new JsonArray { new JsonObject { ["item_state"] = new JsonObject { ["item"] = id, ["state"] = "off" } } };
        return (InstructionIntent.SwitchOff, new InstructionSlots("me", kind, "kitchen"), Single("switch-off", "Yes, switch it off.", success), ScenarioCategories.Control);
    }

    /// <summary>
    /// A meal in the fridge, the cupboard or on the counter and something to heat it with: "warm up the soup and
    /// bring it to me". Success is the meal hot and with the person.
    /// </summary>
    private static (InstructionIntent, InstructionSlots, JsonArray, string) WarmTask(Layout layout, string principal)
    {
        var kind = layout.Pools.Meals[layout.Random.Next(layout.Pools.Meals.Count)];
        var node = Item(kind, layout.Ids);
        var shelf = layout.Random.NextDouble();
        var (contents, place) = shelf < 0.4 ? (layout.Fridge, "fridge") : shelf < 0.8 ? (layout.Cupboard, "cupboard") : (layout.Counter, "counter");
        contents.Add(node);
        if (layout.Random.NextDouble() < 0.6 && layout.KitchenItem("microwave") is null)
        {
            layout.AddContainer("kitchen", "microwave", dirty: false);
        }

        if (layout.Random.NextDouble() < 0.5)
        {
            layout.People[0]!["hungry"] = true;
        }

        var id = node["id"]!.GetValue<string>();
        var success = new JsonArray
        {
            new JsonObject { ["served"] = new JsonObject { ["person"] = principal, ["kind"] = kind.Name } },
            new JsonObject { ["item_state"] = new JsonObject { ["item"] = id, ["state"] = "hot" } },
        };
        var answer = $"Hot {kind.Name}, please.";
        return (InstructionIntent.Warm, new InstructionSlots("me", kind.Name, place), Single("warm-it", answer, success), ScenarioCategories.Control);
    }

    /// <summary>
    /// Kitchens differ: some fixtures come and go (a microwave, an oven, a sink, a dishwasher, a bin...), the stove
    /// or the fridge is sometimes missing where the task does not need it (what the fridge held moves to the cupboard).
    /// </summary>
    private static void Furnish(Layout layout, TaskFamily family, bool emptyFridge)
    {
        var random = layout.Random;
        foreach (var extra in KitchenExtras)
        {
            // A second table or shelf would make "wipe the table" or "put it on the shelf" ambiguous.
            var clash = extra is "table" or "shelf" && family is TaskFamily.Clean or TaskFamily.PutAway;
            if (!clash && random.NextDouble() < 0.15 && layout.KitchenItem(extra) is null)
            {
                layout.AddContainer("kitchen", extra, dirty: false);
            }
        }

        var stove = layout.KitchenItem("stove");
        if (family is not (TaskFamily.Hazard or TaskFamily.Warm or TaskFamily.SwitchOff) && stove is not null && stove["on"] is null && random.NextDouble() < 0.3)
        {
            layout.KitchenObjects.Remove(stove);
        }

        if (family is TaskFamily.Clean or TaskFamily.Dispose or TaskFamily.Hidden or TaskFamily.Reference or TaskFamily.SwitchOff or TaskFamily.Hazard
            && !emptyFridge && random.NextDouble() < 0.15)
        {
            foreach (var node in layout.Fridge.ToList())
            {
                layout.Fridge.Remove(node);
                layout.Cupboard.Add(node!.DeepClone());
            }

            layout.KitchenContainers.Remove(layout.KitchenItem("fridge"));
        }
    }

    /// <summary>
    /// Some things go by another of their names ("remote control" for the remote, "pantry" for the cupboard), shown
    /// as the robot sees them: <c>remote control (remote)</c>. Ids and kinds stay, so plans and judging do not change.
    /// </summary>
    private static void Dress(JsonArray roomNodes, Random random)
    {
        foreach (var item in roomNodes.OfType<JsonObject>().SelectMany(r => Items(r["containers"]).Concat(Items(r["objects"]))))
        {
            var kind = Ontology.Default[item["kind"]!.GetValue<string>()];
            if (item["name"] is null && !kind.Has(Traits.Living) && kind.Synonyms.Count > 0 && random.NextDouble() < 0.2)
            {
                item["name"] = kind.Synonyms[random.Next(kind.Synonyms.Count)];
            }
        }

        static IEnumerable<JsonObject> Items(JsonNode? list) =>
            list is JsonArray array ? array.OfType<JsonObject>().SelectMany(n => Items(n["contents"]).Prepend(n)) : [];
    }

    /// <summary>
    /// The person's words from the templates; with <paramref name="mustName"/>, redrawn (up to a bound) until they
    /// name the item, since "get me something" cannot pose "which cup?" or "there is no root beer".
    /// </summary>
    private static string Instruction(InstructionIntent intent, InstructionSlots slots, Random random, bool mustName)
    {
        var text = InstructionTemplates.Write(intent, slots, random, typoRate: 0.05);
        for (var tries = 0; mustName && slots.Item is { } item && !text.Contains(item, StringComparison.OrdinalIgnoreCase) && tries < 40; tries++)
        {
            text = InstructionTemplates.Write(intent, slots, random, typoRate: 0.05);
        }

        return text;
    }

    /// <summary>Whether a thing can be carried to someone (containers are put things in, not fetched).</summary>
    private static bool Fetchable(ObjectKind kind) => !kind.Has(Traits.Container) && !kind.Has(Traits.Fixed) && !kind.Has(Traits.Living);

    private static readonly string[] Onsets = ["b", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "ch", "sh", "br", "tr"];
    private static readonly string[] Vowels = ["a", "e", "i", "o", "u", "ai", "ea", "io"];
    private static readonly string[] Codas = ["", "", "", "n", "r", "l", "s", "k"];

    /// <summary>
    /// A name from the list half the time, else one made of random syllables ("dakon", "tribeal"): people in real
    /// homes have names no list holds, and a policy that must copy a name from the home cannot learn a closed set.
    /// </summary>
    /// <param name="names">The list to draw from half the time.</param>
    /// <param name="random">The home's random source.</param>
    /// <param name="taken">A name already in the home, which this one must differ from.</param>
    private static string NameFrom(string[] names, Random random, string? taken = null)
    {
        string name;
        if (random.NextDouble() < 0.5)
        {
            name = names[random.Next(names.Length)];
        }
        else
        {
            var made = new System.Text.StringBuilder();
            for (var syllables = random.Next(2, 4); syllables > 0; syllables--)
            {
                made.Append(Onsets[random.Next(Onsets.Length)]).Append(Vowels[random.Next(Vowels.Length)]);
            }

            name = made.Append(Codas[random.Next(Codas.Length)]).ToString();
        }

        return name == taken ? name + "ie" : name;
    }

    private static JsonArray Single(string name, string answer, JsonArray success) =>
    [
        new JsonObject
        {
            ["name"] = name,
            ["probability"] = 1.0,
            ["answer"] = answer,
            ["theta"] = new JsonObject { ["hard_values"] = HardValues() },
            ["success"] = success,
        },
    ];

    private static JsonObject HardValues(params (string Name, double Value)[] extra)
    {
        var values = new JsonObject { ["pets_harmed"] = -1000, ["knife_to_child"] = -500 };
        foreach (var (name, value) in extra)
        {
            values[name] = value;
        }

        return values;
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
            Meals = Foods.Where(k => k.Category == KindCategory.Meal && !k.Has(Traits.Fixed)).ToList();
            Tableware = leaves.Where(k => k.Category == KindCategory.Tableware && !k.Has(Traits.Sharp) && !k.Has(Traits.Container)).ToList();
            // Fetchable leaves grouped under a shared general word that is not just "thing" ("cup": mug, teacup).
            var fetchable = leaves.Where(k => k.Category is KindCategory.Tableware or KindCategory.Toy or KindCategory.Misc or KindCategory.Valuable
                                              && !k.Has(Traits.Sharp) && !k.Has(Traits.Container) && !k.Has(Traits.Living)).ToList();
            Groups = ontology.Kinds.Where(k => parents.Contains(k.Name) && k.Name is not ("thing" or "valuable" or "tableware" or "utensil"))
                .Select(k => (Parent: k, Children: fetchable.Where(c => c != k && ontology.IsA(c, k)).ToList()))
                .Where(g => g.Children.Count >= 2 && g.Children.All(c => !ontology.IsA(g.Parent, c)))
                .ToList();
        }

        public List<ObjectKind> Drinks { get; }

        public List<ObjectKind> Foods { get; }

        public List<ObjectKind> Things { get; }

        public List<ObjectKind> Toys { get; }

        /// <summary>Meals that can be warmed and served (soup, pasta, curry...).</summary>
        public List<ObjectKind> Meals { get; }

        /// <summary>Cups, mugs, plates: what goes in the dishwasher.</summary>
        public List<ObjectKind> Tableware { get; }

        /// <summary>General kinds with at least two fetchable leaf kinds under them ("cup": cup... mug).</summary>
        public List<(ObjectKind Parent, List<ObjectKind> Children)> Groups { get; }
    }

    /// <summary>The home under construction, for the task families that add to it.</summary>
    private sealed class Layout(
        Random random, Pools pools, HashSet<string> ids, List<string> rooms, JsonArray roomNodes, JsonArray people,
        JsonArray kitchenObjects, JsonArray counter, List<(string Id, ObjectKind Kind)> things)
    {
        public Random Random { get; } = random;

        public Pools Pools { get; } = pools;

        /// <summary>Ids taken so far, the kitchen's fixed ones included.</summary>
        public HashSet<string> Ids { get; } = [.. ids, "fridge", "cupboard", "counter", "stove", "kettle", "knife"];

        public List<string> Rooms { get; } = rooms;

        public JsonArray People { get; } = people;

        public JsonArray KitchenObjects { get; } = kitchenObjects;

        public JsonArray Counter { get; } = counter;

        public required JsonArray Fridge { get; init; }

        public required JsonArray Cupboard { get; init; }

        public JsonArray KitchenContainers => (JsonArray)RoomNode("kitchen")["containers"]!;

        /// <summary>The item node with <paramref name="id"/> anywhere in the kitchen (its containers, their contents, its objects).</summary>
        public JsonObject? KitchenItem(string id) =>
            KitchenContainers.Concat(KitchenObjects).Concat(Counter).OfType<JsonObject>().FirstOrDefault(n => n["id"]?.GetValue<string>() == id);

        public JsonObject RoomNode(string room) => roomNodes.Select(n => (JsonObject)n!).First(n => n["name"]!.GetValue<string>() == room);

        /// <summary>A portable misc thing or valuable of a kind not already lying about (so naming it is unambiguous).</summary>
        public ObjectKind FreshThing()
        {
            var fresh = Pools.Things.Where(k => things.All(t => t.Kind.Name != k.Name) && Fetchable(k)).ToList();
            return fresh[Random.Next(fresh.Count)];
        }

        /// <summary>Adds a container of <paramref name="kind"/> to the room (closed when it can close) and returns its id.</summary>
        public (string Id, string Kind) AddContainer(string room, string kind, bool dirty, params JsonNode[] contents)
        {
            var node = Item(Ontology.Default[kind], Ids);
            node["contents"] = new JsonArray(contents);
            if (dirty)
            {
                node["dirty"] = true;
            }

            if (Ontology.Default[kind].Has(Traits.Closable))
            {
                node["open"] = false;
            }

            var roomNode = RoomNode(room);
            if (roomNode["containers"] is not JsonArray containers)
            {
                containers = [];
                roomNode["containers"] = containers;
            }

            containers.Add(node);
            return (node["id"]!.GetValue<string>(), kind);
        }
    }
}

/// <summary>The task families of generated homes.</summary>
public enum TaskFamily
{
    /// <summary>Drinks, food, looking after a hungry child, fetching (the original generator).</summary>
    Classic,

    /// <summary>Look after a child with the stove on or a knife in reach.</summary>
    Hazard,

    /// <summary>Wipe a dirty table or shelf.</summary>
    Clean,

    /// <summary>Throw away spoiled food or an old newspaper.</summary>
    Dispose,

    /// <summary>Put a thing away in a named container.</summary>
    PutAway,

    /// <summary>Fetch a thing shut in a drawer or box, perhaps in an unseen room.</summary>
    Hidden,

    /// <summary>Fetch "the cup" with a mug and a teacup in the home.</summary>
    Reference,

    /// <summary>Ask for a drink the home does not have.</summary>
    Infeasible,

    /// <summary>Switch off an appliance left on.</summary>
    SwitchOff,

    /// <summary>Warm a meal and bring it to the person.</summary>
    Warm,
}

/// <summary>
/// Relative weights of the task families in generated homes (non-negative, at least one positive). The
/// default gives the original families (drinks, food, fetching) 4 parts in 13 and each other family 1 part.
/// </summary>
public sealed record TaskMix(
    double Classic = 4, double Hazard = 1, double Clean = 1, double Dispose = 1, double PutAway = 1,
    double Hidden = 1, double Reference = 1, double Infeasible = 1, double SwitchOff = 1, double Warm = 1)
{
    /// <summary>The mix the training data uses.</summary>
    public static TaskMix Default { get; } = new();

    /// <summary>Only one family (for tests and focused data).</summary>
    public static TaskMix Only(TaskFamily family) => new(
        family == TaskFamily.Classic ? 1 : 0, family == TaskFamily.Hazard ? 1 : 0, family == TaskFamily.Clean ? 1 : 0,
        family == TaskFamily.Dispose ? 1 : 0, family == TaskFamily.PutAway ? 1 : 0, family == TaskFamily.Hidden ? 1 : 0,
        family == TaskFamily.Reference ? 1 : 0, family == TaskFamily.Infeasible ? 1 : 0,
        family == TaskFamily.SwitchOff ? 1 : 0, family == TaskFamily.Warm ? 1 : 0);

    /// <summary>Draws a family with probability proportional to its weight.</summary>
    public TaskFamily Draw(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        double[] weights = [Classic, Hazard, Clean, Dispose, PutAway, Hidden, Reference, Infeasible, SwitchOff, Warm];
        if (weights.Any(w => w < 0 || double.IsNaN(w)) || weights.Sum() <= 0)
        {
            throw new ArgumentException("task mix weights must be non-negative with a positive sum");
        }

        var u = random.NextDouble() * weights.Sum();
        for (var i = 0; i < weights.Length; i++)
        {
            u -= weights[i];
            if (u < 0 && weights[i] > 0)
            {
                return (TaskFamily)i;
            }
        }

        return (TaskFamily)Array.FindLastIndex(weights, w => w > 0);
    }
}
