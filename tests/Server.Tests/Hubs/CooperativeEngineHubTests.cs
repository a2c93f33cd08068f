using System.Net.Http.Json;
using System.Text.Json;
using CoopAgent.Agent.Scenarios;
using CoopAgent.Server.Feedback;
using CoopAgent.Server.Hubs;
using CoopAgent.Server.Sessions;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace CoopAgent.Server.Tests.Hubs;

/// <summary>The hub over the real engine: the Agent project's cooperative agent, the policy on the inference
/// worker, the Agent project's scenario loader. No checkpoint folder is given, so the policy is the freshly
/// initialised one the server falls back to.</summary>
public sealed class CooperativeEngineHubTests
{
    private static ServerFactory RealServer() => new(scripted: false, settings: new Dictionary<string, string>
    {
        ["policy"] = Path.Combine(Path.GetTempPath(), "coopagent-no-policy-here"),
    });

    [Theory]
    [InlineData("fp32")]
    [InlineData("bf16")]
    public async Task The_policy_computes_in_the_precision_asked_says_so_and_answers(string precision)
    {
        using var factory = new ServerFactory(scripted: false, settings: new Dictionary<string, string>
        {
            ["policy"] = Path.Combine(Path.GetTempPath(), "coopagent-no-policy-here"),
            ["precision"] = precision,
        });
        using var http = factory.CreateClient();
        var health = await http.GetFromJsonAsync<JsonElement>("/health");
        Assert.Equal(precision, health.GetProperty("policy").GetProperty("precision").GetString());
        var engine = (CooperativeConversationEngine)factory.Services.GetRequiredService<IConversationEngine>();
        Assert.Equal(precision, engine.Policy.Precision);

        var user = await factory.NewUserAsync();
        await using var hub = await factory.ConnectAsync(user.Token);
        await hub.InvokeAsync<SessionView>("StartScenario", "canonical-cat");
        var events = new List<ChatEvent>();
        await foreach (var item in hub.StreamAsync<ChatEvent>("SendMessage", "I'm thirsty"))
        {
            events.Add(item);
        }

        Assert.Equal("done", events[^1].Kind);
    }

    [Fact]
    public async Task The_real_agent_takes_a_message_streams_its_turn_pushes_belief_and_records_the_turn()
    {
        using var factory = RealServer();
        using var http = factory.CreateClient();
        var health = await http.GetFromJsonAsync<JsonElement>("/health");
        Assert.False(health.GetProperty("policy").GetProperty("trained").GetBoolean());
        var version = health.GetProperty("policy").GetProperty("version").GetString();
        Assert.False(string.IsNullOrEmpty(version));

        var user = await factory.NewUserAsync();
        await using var hub = await factory.ConnectAsync(user.Token);
        var beliefs = new List<BeliefView>();
        hub.On<BeliefView>(nameof(IChatPage.BeliefChanged), b => { lock (beliefs) { beliefs.Add(b); } });
        var scenarios = await hub.InvokeAsync<List<ScenarioSummary>>("ListScenarios");
        Assert.Contains(scenarios, s => s.Id == "canonical-cat");
        var session = await hub.InvokeAsync<SessionView>("StartScenario", "canonical-cat");
        Assert.Contains(session.Home.Rooms.Single(r => r.Name == "kitchen").Pets, p => p.Contains("Misty"));
        Assert.Equal(1.0, session.Belief.Hypotheses.Sum(h => h.Probability), 6);

        var events = new List<ChatEvent>();
        await foreach (var item in hub.StreamAsync<ChatEvent>("SendMessage", "Look after Leo, and cook something if he gets hungry."))
        {
            events.Add(item);
        }

        var done = events[^1];
        Assert.Equal("done", done.Kind);
        Assert.Contains(done.ReplyKind, new[] { "question", "say", "plan" });
        Assert.Contains(events, e => e.Kind is "token" or "question");
        Assert.NotEmpty(done.Candidates!);
        var turn = factory.Services.GetRequiredService<FeedbackStore>().GetTurn(await factory.UserIdAsync(user.Token), done.TurnId!);
        Assert.NotNull(turn);
        Assert.Equal(version, turn.PolicyVersion);
        Assert.Contains("<|obs|>", turn.Prompt);
        Assert.Equal(turn.Reply, turn.Candidates[turn.ChosenIndex]);
        await ServerFactory.WaitUntilAsync(() => { lock (beliefs) { return beliefs.Count >= 2; } });
        lock (beliefs)
        {
            Assert.Equal(1.0, beliefs[^1].Hypotheses.Sum(h => h.Probability), 6);
        }
    }

    [Fact]
    public async Task A_correction_through_the_hub_moves_the_real_agents_belief_and_the_page_gets_it()
    {
        using var factory = RealServer();
        var user = await factory.NewUserAsync();
        await using var hub = await factory.ConnectAsync(user.Token);
        var beliefs = new List<BeliefView>();
        hub.On<BeliefView>(nameof(IChatPage.BeliefChanged), b => { lock (beliefs) { beliefs.Add(b); } });
        await hub.InvokeAsync<SessionView>("StartScenario", "canonical-cat");
        ChatEvent? done = null;
        await foreach (var item in hub.StreamAsync<ChatEvent>("SendMessage", "Look after Leo, and cook something if he gets hungry."))
        {
            done = item;
        }

        Assert.Equal("done", done?.Kind);
        await ServerFactory.WaitUntilAsync(() => { lock (beliefs) { return beliefs.Count >= 2; } });
        double OrderFood(BeliefView belief) => belief.Hypotheses.Single(h => h.Label == "order-food").Probability;
        double before;
        lock (beliefs)
        {
            before = OrderFood(beliefs[^1]);
        }

        // The person wanted food ordered and given to Leo: the correction is preferred over every reply shown. (Under
        // the plan grammar even the untrained policy's samples are plans of this home, and "order pizza" alone would
        // be no better than some of them under either hypothesis: the correction says the whole of it.)
        await hub.InvokeAsync<FeedbackView>("Correct", done!.TurnId!, "Please order pizza, then take delivery-1, then goto kitchen, then give delivery-1 to leo.");

        await ServerFactory.WaitUntilAsync(() => { lock (beliefs) { return OrderFood(beliefs[^1]) > before + 0.05; } });
    }

    [Fact]
    public async Task The_real_scenario_loader_refuses_a_malformed_upload_with_the_field_path_and_accepts_a_valid_one()
    {
        using var factory = RealServer();
        var user = await factory.NewUserAsync();
        await using var hub = await factory.ConnectAsync(user.Token);

        var broken = await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync<SessionView>("UploadScenario", "{ \"id\": \"x\", "));
        Assert.Contains("refused", broken.Message);
        var incomplete = await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync<SessionView>("UploadScenario", "{ \"id\": \"mine\", \"title\": \"Mine\" }"));
        Assert.Contains("refused", incomplete.Message);
        Assert.Matches(@"upload: \w+: is required", incomplete.Message);

        var builtin = BuiltinScenarios.Read(BuiltinScenarios.Names().First(n => n.Contains("tea-for-grandpa")));
        var session = await hub.InvokeAsync<SessionView>("UploadScenario", builtin);
        Assert.Equal("upload", session.Source);
        Assert.NotEmpty(session.Home.Rooms);
    }


}
