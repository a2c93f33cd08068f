using System.Text.Json;
using CoopAgent.Agent.Data;
using CoopAgent.Agent.Humans;
using CoopAgent.Agent.Household;
using CoopAgent.Agent.Scenarios;

namespace CoopAgent.Agent.Tests.Data;

public class DataGeneratorTests
{
    [Fact]
    public void Generated_homes_are_valid_varied_and_apart_from_the_builtin_suite()
    {
        var scenarios = Enumerable.Range(0, 60).Select(HomeGenerator.Generate).ToList();
        var builtin = BuiltinScenarios.All().Select(s => s.Id).ToHashSet();
        Assert.All(scenarios, s => Assert.StartsWith("gen-", s.Id));
        Assert.DoesNotContain(scenarios, s => builtin.Contains(s.Id));
        Assert.True(scenarios.Select(s => s.CreateWorld().Describe()).Distinct().Count() >= 55);
        Assert.True(scenarios.Select(s => s.Instruction).Distinct().Count() >= 30);
        Assert.Contains(scenarios, s => s.Hypotheses.Count > 1);
        Assert.Contains(scenarios, s => s.CreateWorld().Pets.Any());
        Assert.Contains(scenarios, s => s.CreateWorld().People.Any(p => p.IsChild));
        Assert.Equal(["control", "hidden", "infeasible", "preference", "reference", "safety"], scenarios.Select(s => s.Category).Distinct().Order());
    }

    [Fact]
    public void Every_generator_is_deterministic_from_its_seed()
    {
        static string All(int seed) => JsonSerializer.Serialize(new object[]
        {
            DataGenerator.Corpus(6, seed), DataGenerator.Sft(6, seed), DataGenerator.Preferences(3, 4, seed), DataGenerator.PpoPrompts(4, seed),
        });

        Assert.Equal(All(11), All(11));
        Assert.NotEqual(All(11), All(12));
    }

    [Fact]
    public void Generators_return_the_sizes_asked_for()
    {
        Assert.Equal(7, DataGenerator.Corpus(7, 1).Count);
        Assert.Equal(9, DataGenerator.Sft(9, 1).Count);
        Assert.Equal(3, DataGenerator.Preferences(3, 5, 1).Count);
        Assert.Equal(5, DataGenerator.PpoPrompts(5, 1).Count);
    }

    [Fact]
    public void The_corpus_holds_descriptions_dialogues_and_action_traces()
    {
        var corpus = DataGenerator.Corpus(9, 2);
        Assert.Contains(corpus, d => d.Kind == "home" && d.Text.StartsWith("You are in the"));
        Assert.Contains(corpus, d => d.Kind == "dialogue" && d.Text.Contains("\nuser: "));
        Assert.Contains(corpus, d => d.Kind == "trace" && d.Text.Contains("> "));

        // Dialogues and traces carry the home they happen in, so the names their plans use are in context.
        Assert.All(corpus.Where(d => d.Kind != "home"), d => Assert.StartsWith("You are in the", d.Text));
    }

    [Fact]
    public void Sft_responses_are_parsable_plans_questions_or_replies()
    {
        var examples = DataGenerator.Sft(40, 3);
        Assert.Contains(examples, e => e.Kind == "question" && e.Response.StartsWith("ask \""));
        Assert.Contains(examples, e => e.Kind == "plan" && e.Prompt.Turns.Count == 2);
        Assert.Contains(examples, e => e.Kind == "reply" && e.Response == "say \"I don't know.\"");
        Assert.All(examples, e => Assert.All(ActionParser.ParsePlan(e.Response), a => Assert.True(a.Ok, $"{e.Response}: {a.Error}")));
        Assert.All(examples, e => Assert.False(string.IsNullOrWhiteSpace(e.Prompt.Observation)));
    }

    [Fact]
    public void Preference_rankings_have_k_responses_with_ranks_from_zero()
    {
        var examples = DataGenerator.Preferences(8, 4, 4);
        Assert.All(examples, e =>
        {
            Assert.Equal(4, e.Responses.Count);
            Assert.Equal(4, e.Ranks.Count);
            Assert.Equal(0, e.Ranks.Min());
            Assert.Equal(e.Responses.Count, e.Responses.Distinct().Count());
        });
    }

    [Fact]
    public void Gold_reward_prefers_the_true_thetas_plan_and_punishes_harm()
    {
        var prompts = DataGenerator.PpoPrompts(10, 5);
        foreach (var prompt in prompts.Where(p => p.Gold.Prefix.Count == 0))
        {
            var scenario = ScenarioLoader.Parse(prompt.Gold.ScenarioJson);
            var truth = scenario.Hypothesis(prompt.Gold.Truth);
            var best = CoopAgent.Agent.Planning.OraclePlanner.Plan(scenario.CreateWorld(), scenario.Judge, truth, scenario.StepLimit);
            var gold = GoldReward.Score(prompt.Gold, best.Plan.Text);
            Assert.Equal(best.Utility, gold, 6);
            Assert.True(gold >= GoldReward.Score(prompt.Gold, "done"));
            Assert.True(gold > GoldReward.Score(prompt.Gold, "flibber"));
        }

        var cat = BuiltinScenarios.Get("canonical-cat");
        var context = new GoldContext(cat.Json, cat.Hypotheses[0].Name, []);
        Assert.True(GoldReward.Score(context, "goto kitchen; take misty; cook misty; give misty to leo; done") < -500);
    }

    [Fact]
    public void The_demonstrators_questions_are_understood_by_the_simulated_people()
    {
        var asked = 0;
        var understood = 0;
        for (var i = 0; i < 40 && asked < 12; i++)
        {
            var scenario = HomeGenerator.Generate(1000 + i);
            var (response, kind) = Demonstrator.FirstTurn(scenario);
            if (kind != "question")
            {
                continue;
            }

            asked++;
            var world = scenario.CreateWorld();
            Simulator.Execute(world, response);
            var question = ActionParser.Parse(response).Action!.Text;
            var truth = scenario.Hypotheses.OrderByDescending(h => h.Probability).First();
            var answer = SimulatedHuman.For(scenario, truth, new HumanOptions(double.PositiveInfinity), i).Answer(world, question);
            understood += answer.Choice == 0 ? 1 : 0;
        }

        Assert.True(asked >= 5, $"only {asked} questions");
        Assert.True(understood >= asked * 0.8, $"{understood} of {asked} questions answered with the first option");
    }
}
