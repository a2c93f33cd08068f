using CoopAgent.Agent.Evaluation;
using CoopAgent.Agent.Household;
using CoopAgent.Agent.Loop;
using CoopAgent.Agent.Scenarios;

namespace CoopAgent.Agent.Tests.Loop;

/// <summary>
/// What the loop does with imperfect policy samples and with a harm gate that refuses to stop: partial plans
/// are kept, a refusal is asked about once (never the same question again), and an answer that names a plan
/// is acted on.
/// </summary>
public class RefusalAndPartialPlanTests
{
    private static readonly Scenario Knife = BuiltinScenarios.Get("safety-knife-near-toddler");
    private static readonly Scenario Stove = BuiltinScenarios.Get("safety-stove-left-on");

    private static async Task<(CooperativeEpisode Episode, AgentTurn Turn)> FirstTurnAsync(Scenario scenario, params string[] samples)
    {
        var agent = new CooperativeAgent("full", new ScriptedPolicy(samples));
        var episode = agent.BeginCooperativeEpisode(new EpisodeStart(scenario.Id, scenario.Instruction, scenario.Principal, scenario.Hypotheses,
            scenario.StepLimit, scenario.QuestionCost, 1, scenario.Judge));
        var world = scenario.CreateWorld();
        var turn = await episode.NextAsync(new Observation(0, scenario.Instruction, world.Describe(), RobotView.Of(world), [new(Speaker.User, scenario.Instruction)], null));
        return (episode, turn);
    }

    [Fact]
    public async Task A_sample_whose_later_steps_do_not_parse_is_kept_as_its_valid_prefix()
    {
        var (episode, _) = await FirstTurnAsync(Knife, "take carving knife; blorp the fridge; done", "blorp");

        var texts = episode.LastCandidates.Select(c => c.Text).ToList();
        Assert.Contains("take carving knife; done", texts);
        Assert.Contains(CooperativeEpisode.DoNothing, texts);
        Assert.Equal(2, texts.Count);
    }

    [Fact]
    public async Task A_sample_that_parses_nowhere_is_still_dropped()
    {
        var (episode, turn) = await FirstTurnAsync(Knife, "blorp the fridge; take carving knife");

        Assert.Equal([CooperativeEpisode.DoNothing], episode.LastCandidates.Select(c => c.Text));
        Assert.StartsWith("ask ", turn.Action);
    }

    [Fact]
    public async Task When_the_gate_refuses_to_stop_and_nothing_safer_comes_it_asks_once_then_stops()
    {
        // The policy only ever says "done", and stopping with the stove on is the harm: before, the agent asked
        // the same question three times and then said "I don't know." until the step limit.
        var agent = new CooperativeAgent("full", new ScriptedPolicy("done"));

        var result = await EpisodeRunner.RunAsync(agent, Stove, 0);

        var asks = result.Steps.Where(s => s.Turn.Action.StartsWith("ask ", StringComparison.Ordinal)).Select(s => s.Turn.Action).ToList();
        Assert.Single(asks);
        Assert.StartsWith("ask \"What would you like me to do?", asks[0]);
        Assert.DoesNotContain(result.Steps, s => s.Turn.Action.StartsWith("say", StringComparison.Ordinal));
        Assert.Equal("done", result.Steps[^1].Turn.Action);
        Assert.True(result.Steps.Count <= 3, string.Join(" | ", result.Steps.Select(s => s.Turn.Action)));
        Assert.Contains("no safer plan", result.Steps[^1].Turn.Explanation);
    }

    [Fact]
    public async Task An_answer_that_names_a_plan_is_acted_on_after_the_gate_refuses_to_stop()
    {
        var agent = new CooperativeAgent("full", new ScriptedPolicy("done"));

        var result = await EpisodeRunner.RunAsync(agent, Knife, 0);

        Assert.StartsWith("ask ", result.Steps[0].Turn.Action);
        Assert.NotNull(result.Steps[0].Answer);
        Assert.Contains("knife", result.Steps[0].Answer!.Text);
        Assert.Contains(result.Steps, s => s.Turn.Action == "take carving knife");
        Assert.Contains(result.Steps, s => s.Turn.Action.StartsWith("put carving knife", StringComparison.Ordinal));
        Assert.False(result.Verdict.Catastrophe);
        Assert.True(result.Verdict.Success, string.Join("; ", result.Verdict.FailedConditions));
        Assert.Equal(1, result.QuestionsAsked);
    }

    [Fact]
    public void A_requested_plan_drops_courtesy_words_and_ends_with_done()
    {
        var plan = RequestReader.Read("Please turn off the stove.", null);

        Assert.NotNull(plan);
        Assert.Equal([Verb.TurnOff, Verb.Done], plan.Value.Actions.Select(a => a.Verb));
    }

    [Fact]
    public void A_request_to_put_away_something_not_held_takes_it_first()
    {
        var view = RobotView.Of(Knife.CreateWorld());

        var plan = RequestReader.Read("Please put carving knife in sideboard drawer.", view);

        Assert.NotNull(plan);
        var verbs = plan.Value.Actions.Select(a => a.Verb).ToList();
        Assert.True(verbs.IndexOf(Verb.Take) >= 0 && verbs.IndexOf(Verb.Take) < verbs.IndexOf(Verb.Put), plan.Value.Text);
        Assert.Equal(Verb.Done, verbs[^1]);
    }

    [Fact]
    public void A_request_to_serve_someone_elsewhere_takes_the_thing_and_walks_to_them()
    {
        var view = RobotView.Of(BuiltinScenarios.Get("control-water-for-tom").CreateWorld());

        var plan = RequestReader.Read("No. Please serve bottle of water to tom.", view);

        Assert.NotNull(plan);
        var world = view.Clone();
        var results = plan.Value.Actions.Select(a => Simulator.Execute(world, a)).ToList();
        Assert.All(results, r => Assert.True(r.Ok, $"{plan.Value.Text}: {r.Message}"));
        Assert.Equal([Verb.Take, Verb.Goto, Verb.Give, Verb.Done], plan.Value.Actions.Select(a => a.Verb));
    }

    [Fact]
    public async Task When_the_policy_only_asks_the_agent_asks_once_what_to_do_and_acts_on_the_answer()
    {
        // The policy's question offers nothing the agent could do: it asks openly, the person says what they
        // want, and that plan is carried out.
        var scenario = BuiltinScenarios.Get("control-water-for-tom");
        // (The instruction, read as a plan, would be a candidate: left out here, so only the policy proposes.)
        var agent = new CooperativeAgent("full", new ScriptedPolicy("ask \"Would you like the apple or the water?\""),
            CooperativeAgentOptions.Default with { ReadInstruction = false });

        var result = await EpisodeRunner.RunAsync(agent, scenario, 0);

        Assert.Equal("ask \"What would you like me to do?\"", result.Steps[0].Turn.Action);
        Assert.Equal(1, result.QuestionsAsked);
        Assert.True(result.Verdict.Success, string.Join(" | ", result.Steps.Select(s => $"{s.Turn.Action} → {s.Answer?.Text}")));
    }

    [Fact]
    public async Task The_never_ask_agent_does_not_ask_what_to_do_when_the_policy_only_asks()
    {
        var scenario = BuiltinScenarios.Get("control-water-for-tom");
        var agent = new CooperativeAgent("never-ask", new ScriptedPolicy("ask \"Would you like the apple or the water?\""),
            CooperativeAgentOptions.Default with { Asking = AskingRule.Never, GateActions = false, ReadInstruction = false });

        var result = await EpisodeRunner.RunAsync(agent, scenario, 0);

        Assert.Equal(0, result.QuestionsAsked);
        Assert.Equal("done", result.Steps[0].Turn.Action);
    }

    [Fact]
    public void A_request_that_parses_but_does_not_run_in_this_home_is_not_a_plan()
    {
        var view = RobotView.Of(BuiltinScenarios.Get("control-water-for-tom").CreateWorld());

        Assert.Null(RequestReader.Read("No. Please serve the unicorn to tom.", view));
    }

    [Theory]
    [InlineData("Please make the home safe.")]
    [InlineData("Nothing, thanks.")]
    [InlineData("I don't mind.")]
    [InlineData("")]
    [InlineData("Please say \"hello\".")]
    public void An_answer_that_is_not_a_plan_of_robot_actions_is_not_one(string answer)
    {
        Assert.Null(RequestReader.Read(answer, null));
    }

    [Fact]
    public async Task Before_stopping_beside_a_hazard_it_asks_the_policy_again_more_widely()
    {
        // Eight samples of "done"; the plan that turns the stove off comes only in a wider search (the ninth sample).
        var policy = new ScriptedPolicy([.. Enumerable.Repeat("done", 8), "turn off stove; done"]);
        var agent = new CooperativeAgent("full", policy);

        var result = await EpisodeRunner.RunAsync(agent, Stove, 0);

        Assert.Contains(result.Steps, s => s.Turn.Action == "turn off stove");
        Assert.False(result.Verdict.Catastrophe, string.Join(" | ", result.Steps.Select(s => s.Turn.Action)));
    }

    [Fact]
    public void A_request_to_heat_something_for_someone_is_taken_heated_and_brought_to_them()
    {
        var grandpa = BuiltinScenarios.Get("tea-for-grandpa");
        var view = RobotView.Of(grandpa.CreateWorld());

        var plan = RequestReader.Read("Please heat tea for walter.", view);

        Assert.NotNull(plan);
        Assert.Equal("take tea; heat tea; goto conservatory; give tea to walter; done", plan.Value.Text);
    }
}
