using CoopAgent.Agent.Evaluation;
using CoopAgent.Agent.Planning;
using CoopAgent.Agent.Scenarios;
using CoopAgent.Agent.Tests.Humans;

namespace CoopAgent.Agent.Tests.Evaluation;

public class EvaluationTests
{
    public static TheoryData<string, string> BuiltinHypotheses()
    {
        var data = new TheoryData<string, string>();
        foreach (var scenario in BuiltinScenarios.All())
        {
            foreach (var h in scenario.Hypotheses)
            {
                data.Add(scenario.Id, h.Name);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(BuiltinHypotheses))]
    public async Task The_oracle_succeeds_on_every_builtin_scenario_under_every_theta(string scenarioId, string theta)
    {
        var scenario = BuiltinScenarios.Get(scenarioId);
        var run = await EpisodeRunner.RunAsync(new OracleAgent(), scenario, seed: 0, truth: scenario.Hypothesis(theta));
        Assert.True(run.Verdict.Success, $"{scenarioId}/{theta}: not met {string.Join("; ", run.Verdict.FailedConditions)}; catastrophes {string.Join("; ", run.Verdict.Catastrophes)}\n{Transcript.Format(run)}");
    }

    [Fact]
    public async Task The_literal_follower_cooks_the_cat_and_has_catastrophes_on_the_builtin_suite()
    {
        var scenario = BuiltinScenarios.Get("canonical-cat");
        var run = await EpisodeRunner.RunAsync(new LiteralFollowerAgent(), scenario, seed: 0);
        Assert.Contains(run.Steps, s => s.Result.Effects.Contains("pet_harmed:misty"));
        Assert.True(run.Verdict.Catastrophe);
        Assert.Equal("catastrophe", run.EndReason);

        var report = await Evaluator.EvaluateAsync(new LiteralFollowerAgent(), BuiltinScenarios.All());
        Assert.True(report.CatastropheRate > 0);
        Assert.True(report.Regret > 0);
    }

    [Fact]
    public async Task The_oracle_has_no_regret_and_an_agent_that_does_nothing_has_some()
    {
        var scenarios = new[] { TestScenarios.Drink() };
        var oracle = await Evaluator.EvaluateAsync(new OracleAgent(), scenarios, new EvaluationOptions(Seed: 3, EpisodesPerScenario: 4));
        Assert.Equal(4, oracle.Episodes);
        Assert.Equal(0, oracle.Regret, 9);
        Assert.Equal(1, oracle.SuccessRate);
        Assert.Equal(4, oracle.ByCategory["preference"].Episodes);
        Assert.Equal(1, oracle.ByCategory["preference"].SuccessRate);

        var idle = await Evaluator.EvaluateAsync(new ScriptAgent("idle", ["done"]), scenarios, new EvaluationOptions(Seed: 3, EpisodesPerScenario: 4));
        Assert.Equal(0, idle.SuccessRate);
        Assert.True(idle.Regret > 10);
        Assert.Equal(1, idle.MissedQuestionRate);
    }

    [Fact]
    public async Task Questions_go_to_the_person_and_their_answers_join_the_dialogue()
    {
        var agent = new ScriptAgent("asker", ["ask \"Would you like cola, or juice?\"", "done"]);
        var run = await EpisodeRunner.RunAsync(agent, TestScenarios.Drink(), seed: 1, truth: TestScenarios.Drink().Hypothesis("wants-juice"));
        Assert.Equal(1, run.QuestionsAsked);
        Assert.NotNull(run.Steps[0].Answer);
        Assert.Equal(3, run.Dialogue.Count);
        Assert.Equal(Speaker.User, run.Dialogue[2].Speaker);
        Assert.Contains("juice", run.Dialogue[2].Text, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Offered_options_are_simulated_and_the_choice_is_in_the_dialogue()
    {
        var agent = new OptionsAgent(["take cola; goto living room; give cola to tom; done", "take juice; goto living room; give juice to tom; done"]);
        var scenario = TestScenarios.Drink();
        var run = await EpisodeRunner.RunAsync(agent, scenario, seed: 2, new CoopAgent.Agent.Humans.HumanOptions(double.PositiveInfinity), scenario.Hypothesis("wants-juice"));
        Assert.Equal(1, run.Dialogue[2].Choice);
        Assert.Equal(1, run.Steps[0].Answer!.Choice);
    }

    [Fact]
    public async Task Unparsable_actions_are_failed_steps_and_the_step_limit_ends_the_episode()
    {
        var agent = new ScriptAgent("babbler", Enumerable.Repeat("flibber the jabberwock", 50).ToArray());
        var scenario = TestScenarios.Drink();
        var run = await EpisodeRunner.RunAsync(agent, scenario, seed: 0);
        Assert.Equal(scenario.StepLimit, run.Steps.Count);
        Assert.All(run.Steps, s => Assert.False(s.Result.Ok));
        Assert.Equal("step limit", run.EndReason);
    }

    [Fact]
    public async Task Asking_where_no_question_is_needed_counts_as_unnecessary()
    {
        var certain = ScenarioLoader.Parse(TestScenarios.DrinkJson.Replace("\"probability\": 0.5, \"answer\"", "\"probability\": 1.0, \"answer\"").Replace("{ \"name\": \"wants-juice\", \"probability\": 0.5,", "{ \"name\": \"wants-juice\", \"probability\": 0.0,"));
        var agent = new ScriptAgent("asker", ["ask \"Cola?\"", "take cola", "goto living room", "give cola to tom", "done"]);
        var report = await Evaluator.EvaluateAsync(agent, [certain]);
        Assert.Equal(0, report.QuestionNeededScenarios);
        Assert.Equal(1, report.UnnecessaryQuestionRate);
        Assert.Equal(1, report.QuestionsPerEpisode);
    }

    [Fact]
    public void Unknown_agent_names_are_refused_with_the_known_names()
    {
        var e = Assert.Throws<KeyNotFoundException>(() => AgentCatalog.Create("no-such-agent"));
        Assert.Contains("oracle", e.Message);
        Assert.Contains("literal", e.Message);
        Assert.Equal("oracle", AgentCatalog.Create("oracle").Name);
    }

    [Fact]
    public async Task The_transcript_shows_observation_turns_answers_and_utility()
    {
        var agent = new ScriptAgent("asker", ["ask \"Would you like cola, or juice?\"", "take cola", "goto living room", "give cola to tom", "done"]);
        var run = await EpisodeRunner.RunAsync(agent, TestScenarios.Drink(), seed: 0, truth: TestScenarios.Drink().Hypothesis("wants-cola"));
        var text = Transcript.Format(run);
        Assert.Contains("observation:", text);
        Assert.Contains("user: get me a drink", text);
        Assert.Contains("robot: give cola to tom", text);
        Assert.Contains("success: yes", text);
        Assert.Contains("utility under θ:", text);
    }

    [Fact]
    public void Episode_seeds_are_stable_and_differ_by_scenario_and_episode()
    {
        Assert.Equal(Evaluator.EpisodeSeed(1, "a", 0), Evaluator.EpisodeSeed(1, "a", 0));
        Assert.NotEqual(Evaluator.EpisodeSeed(1, "a", 0), Evaluator.EpisodeSeed(1, "b", 0));
        Assert.NotEqual(Evaluator.EpisodeSeed(1, "a", 0), Evaluator.EpisodeSeed(1, "a", 1));
        Assert.NotEqual(Evaluator.EpisodeSeed(1, "a", 0), Evaluator.EpisodeSeed(2, "a", 0));
    }

    /// <summary>Plays fixed actions, whatever it sees.</summary>
    private sealed class ScriptAgent(string name, string[] actions) : IHouseholdAgent
    {
        public string Name => name;

        public IAgentEpisode BeginEpisode(EpisodeStart start) => new Episode(actions);

        private sealed class Episode(string[] actions) : IAgentEpisode
        {
            private int _next;

            public ValueTask<AgentTurn> NextAsync(Observation observation, CancellationToken cancellationToken = default) =>
                ValueTask.FromResult(new AgentTurn(_next < actions.Length ? actions[_next++] : "done"));
        }
    }

    /// <summary>Asks once, offering plans as options, then says done.</summary>
    private sealed class OptionsAgent(string[] options) : IHouseholdAgent
    {
        public string Name => "options";

        public IAgentEpisode BeginEpisode(EpisodeStart start) => new Episode(options);

        private sealed class Episode(string[] options) : IAgentEpisode
        {
            public ValueTask<AgentTurn> NextAsync(Observation observation, CancellationToken cancellationToken = default) =>
                ValueTask.FromResult(observation.Step == 0 ? new AgentTurn("ask \"Which one?\"", Options: options) : new AgentTurn("done"));
        }
    }
}
