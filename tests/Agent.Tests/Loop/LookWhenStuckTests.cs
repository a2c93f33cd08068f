using CoopAgent.Agent.Evaluation;
using CoopAgent.Agent.Household;
using CoopAgent.Agent.Loop;
using CoopAgent.Agent.Scenarios;

namespace CoopAgent.Agent.Tests.Loop;

/// <summary>
/// When nothing the policy proposes beats doing nothing, the agent looks into what the plans wanted to open before it
/// gives up; and an answer to an open question that names what the person wants is evidence about θ.
/// </summary>
public class LookWhenStuckTests
{
    private static readonly Scenario Milk = BuiltinScenarios.Get("hidden-milk-in-fridge");
    private static readonly Scenario Drink = BuiltinScenarios.Get("pref-drink-for-alice");

    private static (CooperativeEpisode Episode, World World) Begin(Scenario scenario, CooperativeAgentOptions options, params string[] samples)
    {
        var agent = new CooperativeAgent("full", new ScriptedPolicy(samples), options);
        var episode = agent.BeginCooperativeEpisode(new EpisodeStart(scenario.Id, scenario.Instruction, scenario.Principal, scenario.Hypotheses,
            scenario.StepLimit, scenario.QuestionCost, 1, scenario.Judge));
        return (episode, scenario.CreateWorld());
    }

    private static Task<AgentTurn> NextAsync(CooperativeEpisode episode, Scenario scenario, World world, int step, params DialogueTurn[] dialogue) =>
        episode.NextAsync(new Observation(step, scenario.Instruction, world.Describe(), RobotView.Of(world), [new(Speaker.User, scenario.Instruction), .. dialogue], null)).AsTask();

    [Fact]
    public async Task With_no_plan_worth_doing_it_opens_what_the_plans_wanted_to_open_instead_of_stopping()
    {
        // The only plan takes the crayons and opens the fridge to put them in: worse than nothing, but it says the
        // fridge matters. The milk Leo wants is in there, unseen.
        const string sample = "take crayons; open fridge; put crayons in fridge; done";
        var (episode, world) = Begin(Milk, CooperativeAgentOptions.Default, sample);
        var turn = await NextAsync(episode, Milk, world, 0);
        Assert.Equal("open fridge", turn.Action);
        Assert.Contains("look there", episode.Explanation, StringComparison.Ordinal);

        var (stopping, home) = Begin(Milk, CooperativeAgentOptions.Default with { LookWhenStuck = false }, sample);
        Assert.Equal(CooperativeEpisode.DoNothing, (await NextAsync(stopping, Milk, home, 0)).Action);
    }

    [Fact]
    public async Task A_room_the_plans_walk_into_but_the_robot_has_not_seen_is_looked_into_too()
    {
        var charger = BuiltinScenarios.Get("hidden-charger-in-bedroom");
        var (episode, world) = Begin(charger, CooperativeAgentOptions.Default, "goto bedroom; done");

        var turn = await NextAsync(episode, charger, world, 0);

        Assert.Equal("goto bedroom", turn.Action);
        Assert.Contains("look there", episode.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Where_the_person_said_the_thing_is_is_looked_into_even_when_no_plan_goes_there()
    {
        // "I think I left them in the study": the policy only wanders between the rooms it sees.
        var glasses = BuiltinScenarios.Get("hidden-glasses-in-study");
        var (episode, world) = Begin(glasses, CooperativeAgentOptions.Default, "goto living room; goto kitchen; done");

        var turn = await NextAsync(episode, glasses, world, 0);

        Assert.Equal("goto study", turn.Action);
        Assert.Contains("you mentioned the study", episode.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Before_asking_openly_it_opens_what_is_closed_within_reach()
    {
        // Ella is thirsty, the fridge is closed, and the policy only asks about what it can see.
        var ella = BuiltinScenarios.Get("safety-drink-for-ella");
        const string sample = "ask \"Shall I make the home safe, or do nothing?\"";
        var (episode, world) = Begin(ella, CooperativeAgentOptions.Default, sample);

        Assert.Equal("open fridge", (await NextAsync(episode, ella, world, 0)).Action);
        Assert.Contains("before asking what to do", episode.Explanation, StringComparison.Ordinal);

        var (asking, home) = Begin(ella, CooperativeAgentOptions.Default with { LookWhenStuck = false }, sample);
        Assert.Equal("ask \"What would you like me to do?\"", (await NextAsync(asking, ella, home, 0)).Action);
    }

    [Fact]
    public async Task A_thing_the_person_asked_for_that_is_nowhere_in_view_is_searched_for()
    {
        // "Could you get me a yogurt?": the fridge is open and holds none; the garage has not been seen.
        var yogurt = BuiltinScenarios.Get("hidden-yogurt-in-garage");
        var (episode, world) = Begin(yogurt, CooperativeAgentOptions.Default, "done");
        world.FindById("fridge")!.IsOpen = true;

        var turn = await NextAsync(episode, yogurt, world, 0);

        Assert.Equal("goto garage", turn.Action);
        Assert.Contains("no yogurt in view", episode.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public async Task It_looks_into_each_container_once_then_stops()
    {
        var agent = new CooperativeAgent("full", new ScriptedPolicy("take crayons; open fridge; close fridge; done"));

        var result = await EpisodeRunner.RunAsync(agent, Milk, 0);

        Assert.Single(result.Steps, s => s.Turn.Action == "open fridge");
        Assert.Equal("done", result.Steps[^1].Turn.Action);
    }

    [Fact]
    public async Task An_open_answer_that_names_a_drink_moves_the_belief_towards_those_who_want_it()
    {
        // The policy only asks; with no plan to choose between (and, here, no look) the agent asks openly what to do.
        var (episode, world) = Begin(Drink, CooperativeAgentOptions.Default with { LookWhenStuck = false }, "ask \"What would you like?\"");
        var question = await NextAsync(episode, Drink, world, 0);
        Assert.StartsWith("ask ", question.Action);
        var before = episode.Belief.Probability("wants-juice");

        await NextAsync(episode, Drink, world, 1, new(Speaker.Assistant, question.Action), new(Speaker.User, "Orange juice would be lovely."));

        Assert.True(episode.Belief.Probability("wants-juice") > before + 0.2, $"{before} → {episode.Belief.Probability("wants-juice")}");
    }

    [Fact]
    public async Task The_plan_that_made_it_look_is_still_a_candidate_after_the_look()
    {
        // First decision: a plan that needs milk from the closed fridge, so the agent looks. After the look the
        // policy only proposes nonsense; the waiting plan (without the opening, now done) is still there.
        var policy = new CallScriptedPolicy(
            ["goto kitchen; open fridge; take milk; goto playroom; give milk to leo; done", "take crayons; open fridge; put crayons in fridge; done"],
            ["take crayons; done"]);
        var agent = new CooperativeAgent("full", policy);

        var result = await EpisodeRunner.RunAsync(agent, Milk, 0);

        Assert.True(policy.Calls >= 2, "it looked first and decided again");
        Assert.Equal("open fridge", result.Steps[0].Turn.Action);
        Assert.True(result.Verdict.Success, string.Join(" | ", result.Steps.Select(s => s.Turn.Action)));
    }

    /// <summary>A policy whose n-th call answers with the n-th script (the last one repeated).</summary>
    private sealed class CallScriptedPolicy(params string[][] scripts) : Microsoft.Extensions.AI.IChatClient
    {
        public int Calls { get; private set; }

        public Task<Microsoft.Extensions.AI.ChatResponse> GetResponseAsync(IEnumerable<Microsoft.Extensions.AI.ChatMessage> messages, Microsoft.Extensions.AI.ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            new ScriptedPolicy(scripts[Math.Min(Calls++, scripts.Length - 1)]).GetResponseAsync(messages, options, cancellationToken);

        public IAsyncEnumerable<Microsoft.Extensions.AI.ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<Microsoft.Extensions.AI.ChatMessage> messages, Microsoft.Extensions.AI.ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException("the loop does not stream");

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }

    [Fact]
    public async Task When_all_of_the_asked_for_kind_in_view_is_worse_than_nothing_it_looks_for_another()
    {
        // "Give Ada some milk for her cereal": the milk in the fridge has gone off; a fresh carton waits in the pantry.
        // The policy only moves the cereal about.
        var spoiled = BuiltinScenarios.Get("hidden-spoiled-milk");
        var agent = new CooperativeAgent("full", new ScriptedPolicy("open fridge; goto dining room; take bowl of cereal; put bowl of cereal on table; done"));

        var result = await EpisodeRunner.RunAsync(agent, spoiled, 0);

        var trace = string.Join(" | ", result.Steps.Select(s => s.Turn.Action));
        Assert.Contains(result.Steps, s => s.Turn.Action == "open pantry");
        Assert.True(result.Verdict.Success, trace);
        Assert.False(result.Verdict.Catastrophe, trace);
    }

    [Fact]
    public async Task A_plan_that_names_an_unseen_thing_twice_imagines_it_once()
    {
        // "open fridge; take orange juice; pour orange juice": the juice is assumed to be in the fridge at the take and
        // is the same juice at the pour (imagining a second one under the same id threw, and the turn failed).
        var (episode, world) = Begin(Milk, CooperativeAgentOptions.Default, "open fridge; take orange juice; pour orange juice into cup; done");

        var turn = await NextAsync(episode, Milk, world, 0);

        Assert.False(string.IsNullOrEmpty(turn.Action));
        Assert.Contains(episode.LastCandidates, c => c.Text.Contains("orange juice", StringComparison.Ordinal));
    }
}
