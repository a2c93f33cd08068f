using CoopAgent.Agent.Baselines;
using CoopAgent.Agent.Evaluation;
using CoopAgent.Agent.Loop;
using CoopAgent.Agent.Planning;
using CoopAgent.Agent.Scenarios;
using CoopAgent.Agent.Tests.Loop;

namespace CoopAgent.Agent.Tests.Baselines;

public class BaselineAgentsTests
{
    private static readonly Scenario Cat = BuiltinScenarios.Get("canonical-cat");
    private static readonly Scenario Tea = BuiltinScenarios.Get("tea-for-grandpa");

    private static ScriptedPolicy GoodPolicy(Scenario scenario) =>
        new(PlanEnumerator.Enumerate(scenario.CreateWorld()).Select(p => p.Plan)
            .Where(p => p.Kind is GoalKind.Order or GoalKind.Cook or GoalKind.Wait or GoalKind.HeatAndServe or GoalKind.Serve)
            .Select(p => p.Text).ToArray());

    private static int SeedFor(Scenario scenario, string hypothesis) =>
        Enumerable.Range(0, 200).First(s => scenario.DrawHypothesis(s).Name == hypothesis);

    [Fact]
    public void Every_agent_of_issue_4_is_in_the_catalog()
    {
        foreach (var name in CooperativeAgents.Names)
        {
            Assert.Contains(name, AgentCatalog.Names);
        }

        Assert.Throws<KeyNotFoundException>(() => CooperativeAgents.Create("nope", new ScriptedPolicy()));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    [InlineData(-0.1)]
    public void The_conformal_miscoverage_must_lie_between_zero_and_one(double epsilon) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => CooperativeAgents.Create("conformal", new ScriptedPolicy(), conformalEpsilon: epsilon));

    [Fact]
    public async Task Full_does_not_ask_when_the_task_is_clear()
    {
        var result = await EpisodeRunner.RunAsync(CooperativeAgents.Create("full", GoodPolicy(Tea)), Tea, 0);
        Assert.Equal(0, result.QuestionsAsked);
        Assert.True(result.Verdict.Success, string.Join("; ", result.Verdict.FailedConditions));
    }

    [Fact]
    public async Task Always_ask_asks_even_when_the_task_is_clear()
    {
        var result = await EpisodeRunner.RunAsync(CooperativeAgents.Create("always-ask", GoodPolicy(Tea)), Tea, 0);
        Assert.Equal(1, result.QuestionsAsked);
        Assert.StartsWith("ask ", result.Steps[0].Turn.Action);
    }

    [Fact]
    public async Task Never_ask_acts_on_the_most_likely_hypothesis_without_a_question()
    {
        var agent = CooperativeAgents.Create("never-ask", GoodPolicy(Cat));
        var result = await EpisodeRunner.RunAsync(agent, Cat, SeedFor(Cat, "wait-for-me"));
        Assert.Equal(0, result.QuestionsAsked);
        // Both hypotheses are equally likely a priori; the first by name, order-food, wins: it orders, and the
        // parent who wanted to bring food home has paid for it.
        Assert.True(result.End.Outcome.MoneySpent > 0);
        Assert.False(result.Verdict.Success);
    }

    [Fact]
    public async Task Entropy_asks_when_the_belief_is_spread_out()
    {
        var result = await EpisodeRunner.RunAsync(CooperativeAgents.Create("entropy", GoodPolicy(Cat)), Cat, SeedFor(Cat, "order-food"));
        Assert.StartsWith("ask ", result.Steps[0].Turn.Action);
        Assert.Contains("entropy", result.Steps[0].Turn.Explanation);
    }

    [Fact]
    public async Task Conformal_asks_when_its_prediction_set_holds_more_than_one_option()
    {
        // Calibration scores of 0.4 give q̂ = 0.6: keep every option scoring ≥ 0.4. In the cat case the two best
        // actions score ≈ 0.475 each (P(best) under the belief); in the tea case one option scores 1.
        var set = ConformalPredictionSet.Calibrate(Enumerable.Repeat(0.4, 9).ToArray(), 0.2);
        Assert.Equal(0.6, set.Quantile, 12);
        var agent = new CooperativeAgent("conformal", GoodPolicy(Cat), CooperativeAgentOptions.Default with { Asking = AskingRule.Conformal, Conformal = set });
        var cat = await EpisodeRunner.RunAsync(agent, Cat, SeedFor(Cat, "order-food"));
        Assert.StartsWith("ask ", cat.Steps[0].Turn.Action);

        var tea = await EpisodeRunner.RunAsync(agent, Tea, 0);
        Assert.Equal(0, tea.QuestionsAsked);
    }

    [Fact]
    public async Task Conformal_calibration_runs_on_its_split_and_yields_a_threshold()
    {
        var split = ConformalCalibration.CalibrationSplit(BuiltinScenarios.All()).Take(4).ToList();
        Assert.All(split, s => Assert.DoesNotContain(s, ConformalCalibration.CalibrationSplit(BuiltinScenarios.All()).Except(split).ToList()));
        var set = await ConformalCalibration.CalibrateAsync(new ScriptedPolicy("done"), split, 0.1, CooperativeAgentOptions.Default, CancellationToken.None);
        Assert.InRange(set.Quantile, 0, 1);
        Assert.True(set.CalibrationSize >= split.Count);
    }

    [Fact]
    public async Task Policy_baseline_follows_its_first_sample_and_admits_when_it_does_not_parse()
    {
        var plan = PlanEnumerator.Enumerate(Tea.CreateWorld()).First(p => p.Plan.Kind == GoalKind.HeatAndServe && p.Plan.Person == "walter").Plan.Text;
        var follows = await EpisodeRunner.RunAsync(new PolicyOnlyAgent(new ScriptedPolicy(plan)), Tea, 0);
        Assert.Equal(plan, string.Join("; ", follows.Steps.Select(s => s.Result.Source)));

        var babble = await EpisodeRunner.RunAsync(new PolicyOnlyAgent(new ScriptedPolicy("zorp the kettle")), Tea, 0);
        Assert.Equal(["say \"I don't know.\"", "done"], babble.Steps.Select(s => s.Turn.Action));
    }
}
