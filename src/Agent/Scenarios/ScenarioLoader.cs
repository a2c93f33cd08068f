using System.Globalization;
using System.Text.Json;
using CoopAgent.Agent.Household;
using CoopAgent.Agent.Humans;

namespace CoopAgent.Agent.Scenarios;

/// <summary>
/// Reads scenario JSON (schema in docs/scenarios.md) and refuses anything it cannot use with a
/// <see cref="ScenarioException"/> naming the JSON path and the reason: unknown fields (typos), missing or
/// mistyped values, unknown rooms, people, items, traits or features, duplicate ids. Unknown object kinds are
/// accepted: they become kinds with unknown attributes.
/// </summary>
public static class ScenarioLoader
{
    /// <summary>Loads from a file path, or from JSON text when the argument starts with '{'.</summary>
    /// <exception cref="ScenarioException">The scenario is invalid or the file cannot be read.</exception>
    public static Scenario Load(string pathOrJson, Ontology? ontology = null)
    {
        ArgumentNullException.ThrowIfNull(pathOrJson);
        if (pathOrJson.TrimStart().StartsWith('{'))
        {
            return Parse(pathOrJson, null, ontology);
        }

        string text;
        try
        {
            text = File.ReadAllText(pathOrJson);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new ScenarioException("", $"cannot read the file: {e.Message}", pathOrJson);
        }

        return Parse(text, pathOrJson, ontology);
    }

    /// <summary>Loads every <c>*.json</c> in a folder, sorted by file name.</summary>
    public static IReadOnlyList<Scenario> LoadDirectory(string directory, Ontology? ontology = null)
    {
        if (!Directory.Exists(directory))
        {
            throw new ScenarioException("", "no such folder", directory);
        }

        return Directory.GetFiles(directory, "*.json").Order(StringComparer.Ordinal).Select(f => Load(f, ontology)).ToList();
    }

    /// <summary>Parses scenario JSON; <paramref name="origin"/> names the source in error messages.</summary>
    public static Scenario Parse(string json, string? origin = null, Ontology? ontology = null)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new ScenarioException("", $"not valid JSON: {e.Message}", origin);
        }

        using (document)
        {
            try
            {
                return new Reader(ontology ?? Ontology.Default).Scenario(new Node(document.RootElement, ""), json);
            }
            catch (ScenarioException e) when (origin is not null && e.Origin is null)
            {
                throw new ScenarioException(e.Path, e.Reason, origin);
            }
        }
    }

    /// <summary>A JSON element and its path, with typed accessors that fail with the path.</summary>
    private readonly record struct Node(JsonElement Element, string Path)
    {
        public Node? Optional(string name) =>
            Element.ValueKind == JsonValueKind.Object && Element.TryGetProperty(name, out var e) && e.ValueKind != JsonValueKind.Null
                ? new Node(e, Path.Length == 0 ? name : $"{Path}.{name}")
                : null;

        public Node Required(string name) => Optional(name) ?? throw Error(Path.Length == 0 ? name : $"{Path}.{name}", "is required");

        public void ExpectObject(params string[] known)
        {
            if (Element.ValueKind != JsonValueKind.Object)
            {
                throw Error(Path, $"must be an object, not {Kind()}");
            }

            foreach (var property in Element.EnumerateObject())
            {
                if (System.Array.IndexOf(known, property.Name) < 0)
                {
                    throw Error(Path.Length == 0 ? property.Name : $"{Path}.{property.Name}", $"unknown field; known here: {string.Join(", ", known)}");
                }
            }
        }

        public string String()
        {
            if (Element.ValueKind != JsonValueKind.String)
            {
                throw Error(Path, $"must be a string, not {Kind()}");
            }

            var text = Element.GetString()!.Trim();
            return text.Length > 0 ? text : throw Error(Path, "must not be empty");
        }

        public double Number()
        {
            return Element.ValueKind == JsonValueKind.Number && Element.TryGetDouble(out var d) && double.IsFinite(d)
                ? d
                : throw Error(Path, $"must be a number, not {Kind()}");
        }

        public bool Bool() => Element.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Error(Path, $"must be true or false, not {Kind()}"),
        };

        public List<Node> Items()
        {
            if (Element.ValueKind != JsonValueKind.Array)
            {
                throw Error(Path, $"must be a list, not {Kind()}");
            }

            var path = Path;
            return Element.EnumerateArray().Select((e, i) => new Node(e, $"{path}[{i}]")).ToList();
        }

        /// <summary>A string or a list of strings.</summary>
        public List<string> Strings() =>
            Element.ValueKind == JsonValueKind.String ? [String()] : Items().Select(n => n.String()).ToList();

        public string Kind() => Element.ValueKind switch
        {
            JsonValueKind.Object => "an object",
            JsonValueKind.Array => "a list",
            JsonValueKind.String => $"the string \"{Element.GetString()}\"",
            JsonValueKind.Number => $"the number {Element.GetRawText()}",
            JsonValueKind.True or JsonValueKind.False => $"{Element.GetRawText()}",
            _ => "null",
        };

        public static ScenarioException Error(string path, string reason) => new(path, reason);
    }

    private sealed class Reader(Ontology ontology)
    {
        private World _world = null!;

        public Scenario Scenario(Node root, string json)
        {
            root.ExpectObject("id", "title", "category", "description", "tags", "home", "robot", "people", "principal", "theta",
                "hypotheses", "instruction", "instructions", "success", "catastrophe", "step_limit", "question_cost", "solutions", "truth", "$schema");
            var id = root.Required("id").String();
            if (!id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            {
                throw Node.Error("id", "use letters, digits, '-', '_' or '.' only");
            }

            var title = root.Optional("title")?.String() ?? id;
            var categoryNode = root.Required("category");
            var category = categoryNode.String().ToLowerInvariant();
            if (!ScenarioCategories.All.Contains(category))
            {
                throw Node.Error(categoryNode.Path, $"unknown category '{category}'; use one of {string.Join(", ", ScenarioCategories.All)}");
            }

            var description = root.Optional("description")?.String() ?? "";
            var tags = root.Optional("tags")?.Strings() ?? [];

            var robot = root.Required("robot");
            robot.ExpectObject("room", "hands");
            var hands = robot.Optional("hands") is { } h ? (int)h.Number() : 2;
            if (hands < 1)
            {
                throw Node.Error(robot.Path + ".hands", "the robot needs at least one hand");
            }

            _world = new World(ontology, "", hands);
            Home(root.Required("home"));
            _world.RobotRoom = RoomName(robot.Required("room"));

            People(root.Required("people"));
            var principalNode = root.Optional("principal");
            var principal = principalNode is { } pn ? PersonName(pn) : _world.People.FirstOrDefault(p => !p.IsChild)?.Name
                ?? throw Node.Error("principal", "is required when no adult is listed in people");

            var instructions = Instructions(root);
            var questionCost = root.Optional("question_cost")?.Number() ?? 0.3;
            if (questionCost < 0)
            {
                throw Node.Error("question_cost", "must not be negative");
            }

            var stepLimit = root.Optional("step_limit") is { } sl ? (int)sl.Number() : 30;
            if (stepLimit < 1)
            {
                throw Node.Error("step_limit", "must be at least 1");
            }

            var success = Conditions(root.Required("success"));
            var catastrophe = root.Optional("catastrophe") is { } c ? Conditions(c) : [];
            var hypotheses = Hypotheses(root, questionCost);
            var solutions = Solutions(root.Optional("solutions"), hypotheses);
            var truthNode = root.Optional("truth");
            var truth = truthNode?.String();
            if (truth is not null && !hypotheses.Any(h => h.Name == truth))
            {
                throw Node.Error(truthNode!.Value.Path, $"no hypothesis named '{truth}'; hypotheses: {string.Join(", ", hypotheses.Select(h => h.Name))}");
            }

            return new Scenario(id, title, category, description, _world, principal, instructions, hypotheses, success, catastrophe,
                stepLimit, questionCost, tags, solutions, truth, json);
        }

        private static Dictionary<string, string> Solutions(Node? node, List<ScenarioHypothesis> hypotheses)
        {
            var solutions = new Dictionary<string, string>(StringComparer.Ordinal);
            if (node is not { } n)
            {
                return solutions;
            }

            if (n.Element.ValueKind != JsonValueKind.Object)
            {
                throw Node.Error(n.Path, $"must be an object of hypothesis name: plan, not {n.Kind()}");
            }

            foreach (var property in n.Element.EnumerateObject())
            {
                var path = $"{n.Path}.{property.Name}";
                if (!hypotheses.Any(h => h.Name == property.Name))
                {
                    throw Node.Error(path, $"no hypothesis named '{property.Name}'; hypotheses: {string.Join(", ", hypotheses.Select(h => h.Name))}");
                }

                var plan = new Node(property.Value, path).String();
                foreach (var step in ActionParser.ParsePlan(plan).Where(p => !p.Ok))
                {
                    throw Node.Error(path, $"'{step.Source}': {step.Error}");
                }

                solutions[property.Name] = plan;
            }

            return solutions;
        }

        private static List<string> Instructions(Node root)
        {
            var one = root.Optional("instruction");
            var many = root.Optional("instructions");
            if (one is null && many is null)
            {
                throw Node.Error("instruction", "is required (or give instructions: [...])");
            }

            var list = new List<string>();
            if (one is { } o)
            {
                list.Add(o.String());
            }

            if (many is { } m)
            {
                list.AddRange(m.Items().Select(n => n.String()));
            }

            return list.Count > 0 ? list : throw Node.Error("instructions", "must hold at least one instruction");
        }

        private void Home(Node home)
        {
            home.ExpectObject("rooms", "delivery");
            var rooms = home.Required("rooms").Items().ToList();
            if (rooms.Count == 0)
            {
                throw Node.Error(home.Path + ".rooms", "a home needs at least one room");
            }

            // Rooms first, so that items anywhere can refer to any room.
            foreach (var room in rooms)
            {
                room.ExpectObject("name", "observed", "containers", "objects");
                var nameNode = room.Required("name");
                var name = Ontology.Normalize(nameNode.String());
                if (_world.FindRoom(name) is not null)
                {
                    throw Node.Error(nameNode.Path, $"room '{name}' is listed twice");
                }

                _world.AddRoom(name, room.Optional("observed")?.Bool() ?? true);
            }

            foreach (var room in rooms)
            {
                var name = Ontology.Normalize(room.Required("name").String());
                foreach (var container in room.Optional("containers")?.Items() ?? [])
                {
                    Item(container, Location.InRoom(name), mustHold: true);
                }

                foreach (var obj in room.Optional("objects")?.Items() ?? [])
                {
                    Item(obj, Location.InRoom(name), mustHold: false);
                }
            }

            if (home.Optional("delivery") is { } d)
            {
                d.ExpectObject("available", "fee", "minutes", "menu");
                var menu = d.Optional("menu")?.Items().Select(n => ontology.Resolve(n.String()).Name).ToList() ?? [];
                var minutes = d.Optional("minutes")?.Number() ?? 40;
                var fee = d.Optional("fee")?.Number() ?? 5;
                if (minutes < 0 || fee < 0)
                {
                    throw Node.Error(d.Path, "fee and minutes must not be negative");
                }

                _world.Delivery = new Delivery(d.Optional("available")?.Bool() ?? true, fee, minutes, menu);
            }
        }

        private void Item(Node node, Location location, bool mustHold)
        {
            node.ExpectObject("id", "kind", "name", "open", "on", "hot", "cooked", "dirty", "spoiled", "broken", "filling", "contents", "container");
            var kind = ontology.Resolve(node.Required("kind").String());
            var idNode = node.Optional("id");
            var id = idNode?.String() ?? FreshId(kind.Name);
            if (_world.FindById(id) is not null)
            {
                throw Node.Error(idNode?.Path ?? node.Path, $"item id '{id}' is used twice");
            }

            if (_world.FindPerson(id) is not null || _world.FindRoom(id) is not null)
            {
                throw Node.Error(idNode?.Path ?? node.Path, $"item id '{id}' is already the name of a room");
            }

            var item = _world.AddItem(new Item(id, kind, location, node.Optional("name")?.String()));
            if (node.Optional("container")?.Bool() is { } isContainer)
            {
                item.IsContainer = isContainer;
            }

            var contents = node.Optional("contents");
            if ((mustHold || contents is not null) && !item.IsContainer)
            {
                if (!kind.IsUnknown)
                {
                    throw Node.Error(node.Path + ".kind", $"a {kind.Name} cannot hold things; list it under objects, or add \"container\": true");
                }

                item.IsContainer = true;
            }

            if (node.Optional("open") is { } open)
            {
                var isOpen = open.Bool();
                if (!isOpen && !item.CanClose)
                {
                    if (!item.IsContainer)
                    {
                        throw Node.Error(open.Path, $"a {kind.Name} cannot be closed");
                    }

                    item.CanClose = true;
                }

                item.IsOpen = isOpen;
            }

            item.IsOn = node.Optional("on")?.Bool() ?? false;
            if (item.IsOn && !kind.Has(Traits.Appliance))
            {
                throw Node.Error(node.Path + ".on", $"a {kind.Name} cannot be switched on");
            }

            item.IsHot = node.Optional("hot")?.Bool() ?? false;
            item.IsCooked = node.Optional("cooked")?.Bool() ?? false;
            item.IsDirty = node.Optional("dirty")?.Bool() ?? false;
            item.IsSpoiled = node.Optional("spoiled")?.Bool() ?? false;
            item.IsBroken = node.Optional("broken")?.Bool() ?? false;
            if (node.Optional("filling") is { } filling)
            {
                if (!kind.Has(Traits.Vessel) && !kind.IsUnknown)
                {
                    throw Node.Error(filling.Path, $"a {kind.Name} cannot be filled; fillings go in cups, mugs, glasses, bowls, plates, pots");
                }

                item.Filling = ontology.Resolve(filling.String());
            }

            foreach (var inner in contents?.Items() ?? [])
            {
                Item(inner, Household.Location.InContainer(item.Id), mustHold: false);
            }
        }

        private string FreshId(string kindName)
        {
            var stem = kindName.Replace(' ', '-');
            var id = stem;
            for (var n = 2; _world.FindById(id) is not null; n++)
            {
                id = $"{stem}-{n.ToString(CultureInfo.InvariantCulture)}";
            }

            return id;
        }

        private void People(Node people)
        {
            foreach (var node in people.Items())
            {
                node.ExpectObject("name", "child", "room", "role", "hungry", "thirsty");
                var nameNode = node.Required("name");
                var name = Ontology.Normalize(nameNode.String());
                if (_world.FindPerson(name) is not null)
                {
                    throw Node.Error(nameNode.Path, $"person '{name}' is listed twice");
                }

                if (_world.FindById(name) is not null || _world.FindRoom(name) is not null)
                {
                    throw Node.Error(nameNode.Path, $"'{name}' is already the id of an item or a room");
                }

                var room = RoomName(node.Required("room"));
                _world.AddPerson(new Person(name, node.Optional("child")?.Bool() ?? false, room)
                {
                    Role = node.Optional("role")?.String() ?? "",
                    IsHungry = node.Optional("hungry")?.Bool() ?? false,
                    IsThirsty = node.Optional("thirsty")?.Bool() ?? false,
                });
            }
        }

        private string RoomName(Node node)
        {
            var name = Ontology.Normalize(node.String());
            return _world.FindRoom(name)?.Name
                ?? throw Node.Error(node.Path, $"unknown room '{name}'; rooms: {string.Join(", ", _world.Rooms.Select(r => r.Name))}");
        }

        private string PersonName(Node node)
        {
            var name = Ontology.Normalize(node.String());
            return _world.FindPerson(name)?.Name
                ?? throw Node.Error(node.Path, $"unknown person '{name}'; people: {string.Join(", ", _world.People.Select(p => p.Name))}");
        }

        private string ItemId(Node node)
        {
            var id = node.String();
            return _world.FindById(id)?.Id
                ?? throw Node.Error(node.Path, $"unknown item '{id}'; items: {string.Join(", ", _world.Items.Select(i => i.Id))}");
        }

        private List<ScenarioHypothesis> Hypotheses(Node root, double questionCost)
        {
            var single = root.Optional("theta");
            var many = root.Optional("hypotheses");
            if (single is not null && many is not null)
            {
                throw Node.Error("hypotheses", "give either theta or hypotheses, not both");
            }

            if (many is null)
            {
                var theta = single is { } s ? Theta(s, "default", questionCost) : WithQuestionCost(new HiddenReward(), questionCost);
                return [new ScenarioHypothesis(theta, 1, null, null)];
            }

            var list = new List<ScenarioHypothesis>();
            foreach (var node in many.Value.Items())
            {
                node.ExpectObject("name", "probability", "theta", "success", "answer");
                var nameNode = node.Required("name");
                var name = nameNode.String();
                if (list.Any(h => h.Name == name))
                {
                    throw Node.Error(nameNode.Path, $"hypothesis '{name}' is listed twice");
                }

                var probabilityNode = node.Required("probability");
                var probability = probabilityNode.Number();
                if (probability < 0)
                {
                    throw Node.Error(probabilityNode.Path, "must not be negative");
                }

                var theta = node.Optional("theta") is { } t ? Theta(t, name, questionCost) : WithQuestionCost(new HiddenReward { Name = name }, questionCost);
                var success = node.Optional("success") is { } sc ? Conditions(sc) : null;
                list.Add(new ScenarioHypothesis(theta with { Name = name }, probability, success, node.Optional("answer")?.String()));
            }

            if (list.Count == 0)
            {
                throw Node.Error(many.Value.Path, "must hold at least one hypothesis");
            }

            var total = list.Sum(h => h.Probability);
            if (total <= 0)
            {
                throw Node.Error(many.Value.Path, "probabilities sum to zero");
            }

            return list.Select(h => h with { Probability = h.Probability / total }).ToList();
        }

        private static HiddenReward WithQuestionCost(HiddenReward theta, double questionCost) =>
            theta.Weights.ContainsKey(FeatureNames.Questions)
                ? theta
                : theta with { Weights = new Dictionary<string, double>(theta.Weights) { [FeatureNames.Questions] = -questionCost } };

        private HiddenReward Theta(Node node, string defaultName, double questionCost)
        {
            node.ExpectObject("name", "weights", "preferences", "hard_values");
            var weights = Features(node.Optional("weights"));
            var hard = Features(node.Optional("hard_values"));
            var preferences = new List<ItemPreference>();
            foreach (var p in node.Optional("preferences")?.Items() ?? [])
            {
                p.ExpectObject("person", "kind", "trait", "value");
                var person = p.Optional("person")?.String() ?? "*";
                if (person is not ("*" or "anyone" or "everyone" or "child" or "children" or "adult" or "adults") && _world.FindPerson(person) is null)
                {
                    throw Node.Error(p.Path + ".person", $"unknown person '{person}'; use a name, child, adult or *");
                }

                var kind = p.Optional("kind")?.String();
                var traitNode = p.Optional("trait");
                var trait = traitNode?.String();
                if (trait is not null && !TraitNames.TryParse(trait, out _))
                {
                    throw Node.Error(traitNode!.Value.Path, $"unknown trait '{trait}'; traits: {string.Join(", ", TraitNames.All.Order(StringComparer.Ordinal))}");
                }

                if (kind is null && trait is null)
                {
                    throw Node.Error(p.Path, "a preference needs a kind or a trait");
                }

                preferences.Add(new ItemPreference { Person = person, Kind = kind, Trait = trait, Value = p.Required("value").Number() });
            }

            var theta = new HiddenReward
            {
                Name = node.Optional("name")?.String() ?? defaultName,
                Weights = weights,
                HardValues = hard,
                Preferences = preferences,
            };
            return WithQuestionCost(theta, questionCost);
        }

        private static Dictionary<string, double> Features(Node? node)
        {
            var result = new Dictionary<string, double>(StringComparer.Ordinal);
            if (node is not { } n)
            {
                return result;
            }

            if (n.Element.ValueKind != JsonValueKind.Object)
            {
                throw Node.Error(n.Path, $"must be an object of feature: weight, not {n.Kind()}");
            }

            foreach (var property in n.Element.EnumerateObject())
            {
                var path = $"{n.Path}.{property.Name}";
                if (!FeatureNames.All.Contains(property.Name))
                {
                    throw Node.Error(path, $"unknown feature; features: {string.Join(", ", FeatureNames.All)}");
                }

                result[property.Name] = new Node(property.Value, path).Number();
            }

            return result;
        }

        private List<Condition> Conditions(Node node) => node.Items().Select(Condition).ToList();

        private Condition Condition(Node node)
        {
            if (node.Element.ValueKind != JsonValueKind.Object || node.Element.EnumerateObject().Count() != 1)
            {
                throw Node.Error(node.Path, "a condition is an object with exactly one key, like {\"fed\": \"leo\"}");
            }

            var property = node.Element.EnumerateObject().First();
            var value = new Node(property.Value, $"{node.Path}.{property.Name}");
            switch (property.Name)
            {
                case "served":
                    value.ExpectObject("person", "kind", "kinds", "trait", "traits", "cooked");
                    var kinds = new List<string>();
                    kinds.AddRange(value.Optional("kind")?.Strings() ?? []);
                    kinds.AddRange(value.Optional("kinds")?.Strings() ?? []);
                    var traits = Traits.None;
                    foreach (var t in (value.Optional("trait")?.Strings() ?? []).Concat(value.Optional("traits")?.Strings() ?? []))
                    {
                        traits |= TraitNames.TryParse(t, out var parsed) ? parsed : throw Node.Error(value.Path, $"unknown trait '{t}'");
                    }

                    return new ServedCondition(PersonName(value.Required("person")), kinds.Select(k => ontology.Resolve(k).Name).ToList(),
                        traits, value.Optional("cooked")?.Bool());
                case "fed":
                    return new PersonStateCondition(PersonName(value), Fed: true);
                case "quenched":
                    return new PersonStateCondition(PersonName(value), Fed: false);
                case "item_in":
                    value.ExpectObject("item", "place");
                    var item = ItemId(value.Required("item"));
                    var placeNode = value.Required("place");
                    var place = placeNode.String();
                    var known = place is "robot" or "gone" || _world.FindById(place) is not null || _world.FindRoom(place) is not null
                        || _world.FindPerson(place) is not null;
                    return known
                        ? new ItemInCondition(item, _world.FindRoom(place)?.Name ?? _world.FindPerson(place)?.Name ?? _world.FindById(place)?.Id ?? place)
                        : throw Node.Error(placeNode.Path, $"unknown place '{place}': not an item, room or person (or robot, gone)");
                case "item_state":
                    value.ExpectObject("item", "state");
                    var stateNode = value.Required("state");
                    var state = stateNode.String();
                    return ItemStateCondition.States.Contains(state)
                        ? new ItemStateCondition(ItemId(value.Required("item")), state)
                        : throw Node.Error(stateNode.Path, $"unknown state '{state}'; states: {string.Join(", ", ItemStateCondition.States)}");
                case "feature":
                    value.ExpectObject("name", "min", "max");
                    var featureNode = value.Required("name");
                    var feature = featureNode.String();
                    if (!FeatureNames.All.Contains(feature))
                    {
                        throw Node.Error(featureNode.Path, $"unknown feature '{feature}'; features: {string.Join(", ", FeatureNames.All)}");
                    }

                    var min = value.Optional("min")?.Number() ?? double.NegativeInfinity;
                    var max = value.Optional("max")?.Number() ?? double.PositiveInfinity;
                    return min <= max ? new FeatureCondition(feature, min, max) : throw Node.Error(value.Path, "min is above max");
                case "violation":
                    var violation = value.String();
                    return FeatureNames.All.Contains(violation)
                        ? new FeatureCondition(violation, 1, double.PositiveInfinity)
                        : throw Node.Error(value.Path, $"unknown violation '{violation}'");
                case "asked":
                    return new AskedCondition(value.Element.ValueKind == JsonValueKind.True ? 1 : (int)value.Number());
                case "said":
                    return new SaidCondition(value.Strings());
                case "ordered":
                    return value.Element.ValueKind == JsonValueKind.True ? new OrderedCondition(null) : new OrderedCondition(ontology.Resolve(value.String()).Name);
                case "not":
                    return new NotCondition(Condition(value));
                case "any":
                case "all":
                    var parts = Conditions(value);
                    return parts.Count > 0 ? new CombinedCondition(parts, property.Name == "all") : throw Node.Error(value.Path, "needs at least one condition");
                default:
                    throw Node.Error(value.Path, "unknown condition; known: served, fed, quenched, item_in, item_state, feature, violation, asked, said, ordered, not, any, all");
            }
        }
    }
}
