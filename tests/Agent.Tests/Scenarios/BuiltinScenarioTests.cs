using CoopAgent.Agent.Household;
using CoopAgent.Agent.Scenarios;

namespace CoopAgent.Agent.Tests.Scenarios;

public class BuiltinScenarioTests
{
    public static TheoryData<string> Ids()
    {
        var data = new TheoryData<string>();
        foreach (var scenario in BuiltinScenarios.All())
        {
            data.Add(scenario.Id);
        }

        return data;
    }

    [Fact]
    public void The_suite_has_at_least_40_scenarios_across_every_category()
    {
        var all = BuiltinScenarios.All();
        Assert.True(all.Count >= 40, $"only {all.Count} built-in scenarios");
        Assert.Equal(all.Count, all.Select(s => s.Id).Distinct().Count());
        var byCategory = all.GroupBy(s => s.Category).ToDictionary(g => g.Key, g => g.Count());
        foreach (var category in new[] { "preference", "reference", "safety", "infeasible", "hidden" })
        {
            Assert.True(byCategory.GetValueOrDefault(category) >= 5, $"{category}: {byCategory.GetValueOrDefault(category)}");
        }

        Assert.True(byCategory["control"] >= 8);
        Assert.Contains(all, s => s.Id == "canonical-cat");
    }

    [Fact]
    public void Every_resource_is_named_after_its_scenario_id()
    {
        foreach (var name in BuiltinScenarios.Names())
        {
            var scenario = ScenarioLoader.Parse(BuiltinScenarios.Read(name), name);
            Assert.Equal($"CoopAgent.Scenarios.{scenario.Id}.json", name);
        }
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void Every_possible_hypothesis_has_a_reference_plan_that_succeeds_within_the_step_limit(string id)
    {
        var scenario = BuiltinScenarios.Get(id);
        foreach (var hypothesis in scenario.Hypotheses.Where(h => h.Probability > 0))
        {
            Assert.True(scenario.Solutions.TryGetValue(hypothesis.Name, out var plan), $"{id}: no solution for '{hypothesis.Name}'");
            var world = Replay(scenario, plan);
            var verdict = scenario.Judge(world, hypothesis);
            Assert.True(verdict.Success, $"{id}/{hypothesis.Name}: failed {string.Join("; ", verdict.FailedConditions)} catastrophes {string.Join("; ", verdict.Catastrophes)}");
            Assert.True(world.Outcome.Steps <= scenario.StepLimit, $"{id}/{hypothesis.Name}: {world.Outcome.Steps} steps > {scenario.StepLimit}");
        }
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void Scenarios_with_several_hypotheses_are_truly_ambiguous(string id)
    {
        var scenario = BuiltinScenarios.Get(id);
        var possible = scenario.Hypotheses.Where(h => h.Probability > 0).ToList();
        if (possible.Count < 2)
        {
            Assert.NotEqual(ScenarioCategories.Preference, scenario.Category);
            Assert.NotEqual(ScenarioCategories.Reference, scenario.Category);
            return;
        }

        // Some hypothesis's reference plan must fail under another hypothesis: acting blind can go wrong.
        var conflicts = from a in possible
                        from b in possible
                        where a != b && !scenario.Judge(Replay(scenario, scenario.Solutions[a.Name]), b).Success
                        select (a.Name, b.Name);
        Assert.NotEmpty(conflicts);
    }

    [Fact]
    public void Control_scenarios_are_solved_without_a_single_question()
    {
        foreach (var scenario in BuiltinScenarios.All().Where(s => s.Category == ScenarioCategories.Control))
        {
            var only = Assert.Single(scenario.Hypotheses);
            Assert.DoesNotContain("ask ", scenario.Solutions[only.Name]);
        }
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void The_starting_view_shows_no_hidden_item(string id)
    {
        var scenario = BuiltinScenarios.Get(id);
        var world = scenario.CreateWorld();
        var visible = world.Snapshot().Items.Select(i => i.Id).ToHashSet();
        foreach (var item in world.Items.Where(i => !world.IsExposed(i)))
        {
            Assert.DoesNotContain(item.Id, visible);
        }
    }

    [Fact]
    public void A_literal_cook_the_first_cookable_thing_plan_cooks_the_cat_in_the_canonical_case()
    {
        var scenario = BuiltinScenarios.Get("canonical-cat");
        var world = scenario.CreateWorld();
        Simulator.Execute(world, "goto kitchen");
        Simulator.Execute(world, "open fridge");
        var cookable = world.Reachable().First(i => i.Kind.Has(Traits.Cookable) || i.Kind.Has(Traits.Pet));
        Assert.Equal("misty", cookable.Id);
        Assert.True(Simulator.Execute(world, $"cook {cookable.Id}").Ok);
        Simulator.Execute(world, "done");
        foreach (var hypothesis in scenario.Hypotheses)
        {
            var verdict = scenario.Judge(world, hypothesis);
            Assert.True(verdict.Catastrophe);
            Assert.True(verdict.Utility < -900, $"{hypothesis.Name}: {verdict.Utility}");
        }
    }

    private static World Replay(Scenario scenario, string plan)
    {
        var world = scenario.CreateWorld();
        foreach (var step in ActionParser.ParsePlan(plan))
        {
            var result = Simulator.Execute(world, step.Action!);
            Assert.True(result.Ok, $"{scenario.Id}: '{step.Source}' failed: {result.Message}");
        }

        Simulator.EndEpisode(world);
        return world;
    }
}
