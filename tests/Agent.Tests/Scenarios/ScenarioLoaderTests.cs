using System.Text.Json.Nodes;
using CoopAgent.Agent.Household;
using CoopAgent.Agent.Humans;
using CoopAgent.Agent.Scenarios;

namespace CoopAgent.Agent.Tests.Scenarios;

public class ScenarioLoaderTests
{
    private const string Minimal = """
        {
          "id": "t", "category": "control",
          "home": { "rooms": [
            { "name": "kitchen", "containers": [ { "id": "fridge", "kind": "fridge", "open": false, "contents": [ { "id": "milk", "kind": "milk" } ] } ] },
            { "name": "hall" },
            { "name": "garden", "containers": [ { "id": "shed", "kind": "box", "contents": [ { "kind": "hammer" }, { "kind": "laser harp" } ] } ] } ] },
          "robot": { "room": "kitchen" },
          "people": [ { "name": "Tom", "room": "hall" } ],
          "instruction": "Bring me the milk.",
          "success": [ { "served": { "person": "tom", "kind": "milk" } } ]
        }
        """;

    private static string With(string path, JsonNode? value)
    {
        var root = JsonNode.Parse(Minimal)!;
        var parts = path.Split('.');
        JsonNode node = root;
        foreach (var part in parts[..^1])
        {
            node = part.EndsWith(']')
                ? node[part[..part.IndexOf('[')]]![int.Parse(part[(part.IndexOf('[') + 1)..^1])]!
                : node[part]!;
        }

        var last = parts[^1];
        if (last.EndsWith(']'))
        {
            node[last[..last.IndexOf('[')]]![int.Parse(last[(last.IndexOf('[') + 1)..^1])] = value;
        }
        else if (value is null)
        {
            node.AsObject().Remove(last);
        }
        else
        {
            node[last] = value;
        }

        return root.ToJsonString();
    }

    [Fact]
    public void A_minimal_scenario_loads_with_defaults()
    {
        var s = ScenarioLoader.Load(Minimal);
        Assert.Equal("t", s.Id);
        Assert.Equal("tom", s.Principal);
        Assert.Equal(30, s.StepLimit);
        Assert.Equal(-0.3, Assert.Single(s.Hypotheses).Theta.Weights["questions"]);
        var world = s.CreateWorld();
        Assert.True(world.FindById("laser-harp")!.Kind.IsUnknown);
        Assert.Equal("shed", world.FindById("hammer")!.Location.Place);
    }

    [Theory]
    [InlineData("people[0].room", "\"kichen\"", "people[0].room: unknown room 'kichen'")]
    [InlineData("home.rooms[2].containers[0].contents[1].kind", "7", "home.rooms[2].containers[0].contents[1].kind: must be a string")]
    [InlineData("home.rooms[0].containers[0].contents[0].colour", "\"red\"", "home.rooms[0].containers[0].contents[0].colour: unknown field")]
    [InlineData("robot.room", "\"attic\"", "robot.room: unknown room 'attic'")]
    [InlineData("category", "\"misc\"", "category: unknown category 'misc'")]
    [InlineData("success[0].served.person", "\"bob\"", "success[0].served.person: unknown person 'bob'")]
    [InlineData("step_limit", "0", "step_limit: must be at least 1")]
    [InlineData("question_cost", "-1", "question_cost: must not be negative")]
    [InlineData("success[0]", "{\"fed\": \"tom\", \"asked\": 1}", "success[0]: a condition is an object with exactly one key")]
    [InlineData("success[0]", "{\"teleported\": \"tom\"}", "success[0].teleported: unknown condition")]
    [InlineData("theta", "{\"weights\": {\"pet_harm\": -5}}", "theta.weights.pet_harm: unknown feature")]
    [InlineData("theta", "{\"preferences\": [{\"person\": \"tom\", \"trait\": \"crunchy\", \"value\": 1}]}", "theta.preferences[0].trait: unknown trait 'crunchy'")]
    [InlineData("home.rooms[1].containers", "[{\"kind\": \"hammer\"}]", "home.rooms[1].containers[0].kind: a hammer cannot hold things")]
    [InlineData("home.rooms[0].containers[0].contents[0].id", "\"fridge\"", "home.rooms[0].containers[0].contents[0].id: item id 'fridge' is used twice")]
    [InlineData("instruction", null, "instruction: is required")]
    [InlineData("success[0]", "{\"item_state\": {\"item\": \"milk\", \"state\": \"sad\"}}", "success[0].item_state.state: unknown state 'sad'")]
    [InlineData("truth", "\"wants-tea\"", "truth: no hypothesis named 'wants-tea'")]
    [InlineData("solutions", "{\"default\": \"take milk; fly\"}", "solutions.default: 'fly': unknown action 'fly'")]
    public void Schema_errors_name_the_field_and_the_reason(string path, string? value, string expected)
    {
        var json = With(path, value is null ? null : JsonNode.Parse(value));
        var error = Assert.Throws<ScenarioException>(() => ScenarioLoader.Parse(json, "my.json"));
        Assert.Contains(expected, error.Message);
        Assert.StartsWith("my.json: ", error.Message);
        Assert.Equal(expected[..expected.IndexOf(':')], error.Path);
    }

    [Fact]
    public void Broken_json_and_missing_files_are_refused_with_a_scenario_exception()
    {
        Assert.Contains("not valid JSON", Assert.Throws<ScenarioException>(() => ScenarioLoader.Load("{ \"id\": ")).Message);
        Assert.Contains("cannot read the file", Assert.Throws<ScenarioException>(() => ScenarioLoader.Load("/nonexistent/x.json")).Message);
        Assert.Contains("hypotheses: give either theta or hypotheses",
            Assert.Throws<ScenarioException>(() => ScenarioLoader.Load(With("hypotheses", JsonNode.Parse("[{\"name\": \"a\", \"probability\": 1}]"))
                .Replace("\"success\"", "\"theta\": {}, \"success\""))).Message);
    }

    [Fact]
    public void The_true_hypothesis_is_drawn_with_the_seed_in_proportion_to_its_probability()
    {
        var json = With("hypotheses", JsonNode.Parse("""
            [ { "name": "likes-milk", "probability": 3, "theta": { "preferences": [ { "person": "tom", "kind": "milk", "value": 1 } ] } },
              { "name": "likes-juice", "probability": 1, "success": [ { "served": { "person": "tom", "kind": "juice" } } ] } ]
            """));
        var s = ScenarioLoader.Parse(json);
        Assert.Equal(0.75, s.Hypothesis("likes-milk").Probability, 6);
        Assert.Equal(s.DrawHypothesis(42).Name, s.DrawHypothesis(42).Name);
        var milk = Enumerable.Range(0, 4000).Count(seed => s.DrawHypothesis(seed).Name == "likes-milk");
        Assert.InRange(milk, 2850, 3150);
        Assert.Equal("tom is served juice", Assert.Single(s.SuccessFor(s.Hypothesis("likes-juice"))).Describe());
    }

    [Fact]
    public void Theta_round_trips_through_json_and_prices_outcomes()
    {
        var theta = new HiddenReward
        {
            Name = "alice",
            Preferences = [new ItemPreference { Person = "alice", Kind = "tea", Value = 1 }, new ItemPreference { Person = "child", Trait = "caffeinated", Value = -1 }],
            HardValues = new Dictionary<string, double> { ["pets_harmed"] = -1000 },
        };
        var back = HiddenReward.FromJson(theta.ToJson());
        Assert.Equal(theta.ToJson(), back.ToJson());
        Assert.Equal(-1100, back.Weight("pets_harmed"));

        var tea = new Served("alice", "mug", "green tea", Ontology.Default["green tea"].Traits, false, false);
        var cola = new Served("leo", "can", "cola", Ontology.Default["cola"].Traits, false, true);
        Assert.Equal(1, back.ServedValue(tea));
        Assert.Equal(-1, back.ServedValue(cola));
    }

    [Fact]
    public void A_population_prior_samples_deterministically_and_refuses_bad_probabilities()
    {
        var prior = PopulationPrior.Household;
        Assert.Equal(1.0, prior.Hypotheses.Sum(h => h.Probability), 9);
        Assert.Equal(prior.Sample(3).Name, prior.Sample(3).Name);
        Assert.Equal(prior.ToJson(), PopulationPrior.FromJson(prior.ToJson()).ToJson());
        Assert.Throws<ArgumentException>(() => new PopulationPrior([]));
        Assert.Throws<ArgumentException>(() => new PopulationPrior([new WeightedReward(new HiddenReward(), -1)]));
        Assert.Throws<ArgumentException>(() => new PopulationPrior([new WeightedReward(new HiddenReward(), 0)]));
    }

    [Fact]
    public void The_full_example_in_the_schema_documentation_loads_and_its_solutions_succeed()
    {
        var doc = File.ReadAllText(Path.Combine(SourceFolder(), "..", "..", "..", "docs", "scenarios.md"));
        var start = doc.IndexOf("```json\n{\n  \"id\"", StringComparison.Ordinal);
        Assert.True(start >= 0, "no full example in docs/scenarios.md");
        var json = doc[(start + 8)..doc.IndexOf("```", start + 8, StringComparison.Ordinal)];
        var scenario = ScenarioLoader.Parse(json, "docs/scenarios.md");
        Assert.Equal(2, scenario.Hypotheses.Count);
        foreach (var hypothesis in scenario.Hypotheses)
        {
            var world = scenario.CreateWorld();
            Assert.All(Simulator.ExecutePlan(world, scenario.Solutions[hypothesis.Name]), r => Assert.True(r.Ok, r.Message));
            Assert.True(scenario.Judge(world, hypothesis).Success, hypothesis.Name);
        }
    }

    private static string SourceFolder([System.Runtime.CompilerServices.CallerFilePath] string file = "") => Path.GetDirectoryName(file)!;

    [Fact]
    public void Randomly_damaged_scenarios_load_or_fail_with_a_scenario_exception_and_nothing_else()
    {
        var random = new Random(2024);
        var source = BuiltinScenarios.Read("CoopAgent.Scenarios.canonical-cat.json");
        JsonNode[] replacements = [JsonValue.Create(7)!, JsonValue.Create("kichen")!, JsonValue.Create(true)!, new JsonArray(), new JsonObject(), JsonValue.Create(-1.5)!];
        var refused = 0;
        for (var i = 0; i < 300; i++)
        {
            var root = JsonNode.Parse(source)!;
            for (var m = 0; m < 1 + (i % 3); m++)
            {
                var nodes = Descendants(root).ToList();
                var victim = nodes[random.Next(nodes.Count)];
                var replacement = replacements[random.Next(replacements.Length)].DeepClone();
                switch (victim.Parent)
                {
                    case JsonObject parent when random.Next(3) == 0:
                        parent.Remove(victim.GetPropertyName());
                        break;
                    case JsonObject parent:
                        parent[victim.GetPropertyName()] = replacement;
                        break;
                    case JsonArray array:
                        array[victim.GetElementIndex()] = replacement;
                        break;
                }
            }

            try
            {
                ScenarioLoader.Parse(root.ToJsonString(), $"mutant {i}");
            }
            catch (ScenarioException e)
            {
                Assert.StartsWith($"mutant {i}: ", e.Message);
                refused++;
            }
        }

        Assert.True(refused > 150, $"only {refused} of 300 damaged files were refused");
    }

    private static IEnumerable<JsonNode> Descendants(JsonNode node)
    {
        IEnumerable<JsonNode?> children = node switch
        {
            JsonObject o => o.Select(p => p.Value),
            JsonArray a => a,
            _ => [],
        };
        foreach (var child in children.OfType<JsonNode>())
        {
            yield return child;
            foreach (var inner in Descendants(child))
            {
                yield return inner;
            }
        }
    }
}
