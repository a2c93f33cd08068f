using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CoopAgent.Server.Feedback;
using CoopAgent.Server.Hubs;
using CoopAgent.Server.Sessions;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace CoopAgent.Server.Tests.Hubs;

public sealed class ChatHubTests
{
    private static async Task<List<ChatEvent>> SendAsync(HubConnection hub, string text, CancellationToken cancellationToken = default)
    {
        var events = new List<ChatEvent>();
        await foreach (var item in hub.StreamAsync<ChatEvent>("SendMessage", text, cancellationToken))
        {
            events.Add(item);
        }

        return events;
    }

    private static async Task<(ServerFactory Factory, HubConnection Hub, string Token)> StartedAsync(ServerFactory factory)
    {
        var user = await factory.NewUserAsync();
        var hub = await factory.ConnectAsync(user.Token);
        await hub.InvokeAsync<SessionView>("StartScenario", "thirsty-tom");
        return (factory, hub, user.Token);
    }

    [Fact]
    public async Task A_reply_streams_token_by_token_and_the_turn_is_stored_before_done()
    {
        using var factory = new ServerFactory();
        var (_, hub, token) = await StartedAsync(factory);
        var homes = new List<HomeView>();
        hub.On<HomeView>(nameof(IChatPage.HomeChanged), homes.Add);

        var events = await SendAsync(hub, "water please");

        Assert.Equal(["Bringing", " you", " water", "."], events.Where(e => e.Kind == "token").Select(e => e.Text));
        var actions = Assert.Single(events, e => e.Kind == "actions");
        Assert.Equal(["goto kitchen", "give water to tom"], actions.Steps!.Select(s => s.Action));
        var done = events[^1];
        Assert.Equal("done", done.Kind);
        Assert.Equal(3, done.Candidates!.Count);
        Assert.Equal([0, 1], done.ComparePair);
        var turn = factory.Services.GetRequiredService<FeedbackStore>().GetTurn(await factory.UserIdAsync(token), done.TurnId!);
        Assert.NotNull(turn);
        Assert.Equal("scripted-1", turn.PolicyVersion);
        Assert.Equal("water please", turn.UserMessage);
        await ServerFactory.WaitUntilAsync(() => homes.Any(h => h.RobotRoom == "living room"));
        await hub.DisposeAsync();
    }

    [Fact]
    public async Task A_question_arrives_with_options_and_reason_and_the_answer_continues_the_task()
    {
        using var factory = new ServerFactory();
        var (_, hub, _) = await StartedAsync(factory);
        var beliefs = new List<BeliefView>();
        hub.On<BeliefView>(nameof(IChatPage.BeliefChanged), beliefs.Add);

        var asked = await SendAsync(hub, "I'm thirsty");
        var question = Assert.Single(asked, e => e.Kind == "question");
        Assert.Equal("Water or juice?", question.Text);
        Assert.Equal(["water", "juice"], question.Options);
        Assert.Contains("asking", question.Reason);
        Assert.Equal("question", asked[^1].ReplyKind);

        var answered = await SendAsync(hub, "juice");
        Assert.Contains(answered, e => e.Kind == "token" && e.Text == " juice");
        await ServerFactory.WaitUntilAsync(() => beliefs.Count >= 2);
        Assert.NotNull(beliefs[0].Reason);
        Assert.Equal(0.9, beliefs[^1].Hypotheses.Single(h => h.Label == "likes juice").Probability, 6);
        await hub.DisposeAsync();
    }

    [Fact]
    public async Task Every_feedback_kind_is_persisted_and_can_be_changed_or_deleted()
    {
        using var factory = new ServerFactory();
        var (_, hub, token) = await StartedAsync(factory);
        var turnId = (await SendAsync(hub, "water"))[^1].TurnId!;

        var up = await hub.InvokeAsync<FeedbackView>("Rate", turnId, true, "quick and right");
        var down = await hub.InvokeAsync<FeedbackView>("Rate", turnId, false, null);
        Assert.Equal(up.Id, down.Id);
        Assert.Equal(-1, down.Rating);
        await hub.InvokeAsync<FeedbackView>("Compare", turnId, "both bad", "neither asked");
        await hub.InvokeAsync<FeedbackView>("Rank", turnId, new[] { 2, 1, 2 });
        var correction = await hub.InvokeAsync<FeedbackView>("Correct", turnId, "say \"Water or juice, Tom?\"");

        var store = factory.Services.GetRequiredService<FeedbackStore>();
        var userId = await factory.UserIdAsync(token);
        var stored = store.FeedbackOf(userId, turnId);
        Assert.Equal(4, stored.Count);
        Assert.Equal(-1, stored.Single(f => f.Kind == FeedbackKind.Thumbs).Rating);
        Assert.Null(stored.Single(f => f.Kind == FeedbackKind.Thumbs).Reason);
        Assert.Equal("both_bad", stored.Single(f => f.Kind == FeedbackKind.Comparison).Choice);
        Assert.Equal([2, 1, 2], stored.Single(f => f.Kind == FeedbackKind.Ranking).Ranks);
        Assert.All(stored, f => Assert.Equal(DateTimeKind.Utc, f.UpdatedUtc.Kind));

        Assert.True(await hub.InvokeAsync<bool>("DeleteFeedback", correction.Id));
        Assert.Equal(3, store.FeedbackOf(userId, turnId).Count);
        var mine = await hub.InvokeAsync<List<FeedbackView>>("MyFeedback", turnId);
        Assert.DoesNotContain(mine, f => f.Kind == "correction");
        await hub.DisposeAsync();
    }

    [Fact]
    public async Task Compare_rank_and_correction_reach_the_agent_with_the_replies_shown_and_push_the_new_belief()
    {
        using var factory = new ServerFactory();
        var (_, hub, _) = await StartedAsync(factory);
        var turn = (await SendAsync(hub, "water"))[^1];
        var beliefs = new List<BeliefView>();
        hub.On<BeliefView>(nameof(IChatPage.BeliefChanged), b => { lock (beliefs) { beliefs.Add(b); } });

        await hub.InvokeAsync<FeedbackView>("Rate", turn.TurnId!, true, null);
        await hub.InvokeAsync<FeedbackView>("Compare", turn.TurnId!, "A", null);
        await hub.InvokeAsync<FeedbackView>("Rank", turn.TurnId!, new[] { 1, 3, 2 });
        await hub.InvokeAsync<FeedbackView>("Correct", turn.TurnId!, "give water to tom");

        var engine = (ScriptedConversationEngine)factory.Services.GetRequiredService<IConversationEngine>();
        List<ConversationFeedback> learned;
        lock (engine.Learned)
        {
            learned = [.. engine.Learned];
        }

        var candidates = turn.Candidates!;
        Assert.Equal(4, learned.Count);
        Assert.Equal(new ThumbsFeedback(true), learned[0]);
        Assert.Equal(new ComparisonFeedback(candidates[turn.ComparePair![0]], candidates[turn.ComparePair[1]], "a"), learned[1]);
        var ranking = Assert.IsType<RankingFeedback>(learned[2]);
        Assert.Equal(candidates, ranking.Replies);
        Assert.Equal([1, 3, 2], ranking.Ranks);
        var correction = Assert.IsType<CorrectionFeedback>(learned[3]);
        Assert.Equal("give water to tom", correction.Correction);
        Assert.Equal(candidates, correction.Shown);

        // The thumb taught the scripted agent nothing (no push); the other three each pushed the belief.
        await ServerFactory.WaitUntilAsync(() => { lock (beliefs) { return beliefs.Count >= 3; } });
        await Task.Delay(100);
        lock (beliefs)
        {
            Assert.Equal(3, beliefs.Count);
            Assert.All(beliefs, b => Assert.Equal(0.8, b.Hypotheses.Single(h => h.Label == "likes water").Probability, 6));
        }

        await hub.DisposeAsync();
    }

    [Fact]
    public async Task Feedback_on_an_older_turn_is_stored_but_not_learned()
    {
        using var factory = new ServerFactory();
        var (_, hub, _) = await StartedAsync(factory);
        var first = (await SendAsync(hub, "water"))[^1].TurnId!;
        await SendAsync(hub, "juice");

        await hub.InvokeAsync<FeedbackView>("Compare", first, "b", null);

        var engine = (ScriptedConversationEngine)factory.Services.GetRequiredService<IConversationEngine>();
        lock (engine.Learned)
        {
            Assert.Empty(engine.Learned);
        }

        await hub.DisposeAsync();
    }

    [Fact]
    public async Task Bad_feedback_is_refused_with_a_clear_message()
    {
        using var factory = new ServerFactory();
        var (_, hub, _) = await StartedAsync(factory);
        var turnId = (await SendAsync(hub, "water"))[^1].TurnId!;

        var wrongCount = await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync<FeedbackView>("Rank", turnId, new[] { 1, 2 }));
        Assert.Contains("each of the 3 replies", wrongCount.Message);
        var outOfRange = await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync<FeedbackView>("Rank", turnId, new[] { 0, 1, 4 }));
        Assert.Contains("from 1 (best) to 3", outOfRange.Message);
        var choice = await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync<FeedbackView>("Compare", turnId, "c", null));
        Assert.Contains("a, b, tie, both_bad", choice.Message);
        var empty = await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync<FeedbackView>("Correct", turnId, "  "));
        Assert.Contains("Write the reply", empty.Message);
        await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync<FeedbackView>("Rate", "no-such-turn", true, null));
        await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync<bool>("DeleteFeedback", "no-such-feedback"));
        await hub.DisposeAsync();
    }

    [Fact]
    public async Task Users_cannot_see_rate_or_delete_each_others_turns_and_feedback()
    {
        using var factory = new ServerFactory();
        var (_, alice, _) = await StartedAsync(factory);
        var (_, bob, _) = await StartedAsync(factory);
        var aliceTurn = (await SendAsync(alice, "water"))[^1].TurnId!;
        var aliceRating = await alice.InvokeAsync<FeedbackView>("Rate", aliceTurn, true, null);

        var rate = await Assert.ThrowsAsync<HubException>(() => bob.InvokeAsync<FeedbackView>("Rate", aliceTurn, false, "sabotage"));
        Assert.Contains("no such turn of yours", rate.Message);
        await Assert.ThrowsAsync<HubException>(() => bob.InvokeAsync<bool>("DeleteFeedback", aliceRating.Id));
        Assert.Empty(await bob.InvokeAsync<List<FeedbackView>>("MyFeedback", aliceTurn));
        Assert.Single(await alice.InvokeAsync<List<FeedbackView>>("MyFeedback", (string?)null));
        await alice.DisposeAsync();
        await bob.DisposeAsync();
    }

    [Fact]
    public async Task Empty_oversized_and_early_messages_get_clear_refusals_and_the_hub_stays_up()
    {
        using var factory = new ServerFactory();
        var user = await factory.NewUserAsync();
        var hub = await factory.ConnectAsync(user.Token);

        var early = await Assert.ThrowsAsync<HubException>(() => SendAsync(hub, "hello"));
        Assert.Contains("Start a session first", early.Message);
        await hub.InvokeAsync<SessionView>("StartFreeHousehold");
        var empty = await Assert.ThrowsAsync<HubException>(() => SendAsync(hub, "   "));
        Assert.Contains("empty", empty.Message);
        var oversized = await Assert.ThrowsAsync<HubException>(() => SendAsync(hub, new string('x', 4097)));
        Assert.Contains("limit is 4096 bytes", oversized.Message);
        var unknown = await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync<SessionView>("StartScenario", "no-such-house"));
        Assert.Contains("Unknown scenario", unknown.Message);

        Assert.Equal("done", (await SendAsync(hub, "water"))[^1].Kind);
        await hub.DisposeAsync();
    }

    [Fact]
    public async Task A_malformed_scenario_upload_is_refused_and_an_oversized_one_too()
    {
        using var factory = new ServerFactory(settings: new Dictionary<string, string> { ["Limits:ScenarioMaxBytes"] = "2048" });
        var user = await factory.NewUserAsync();
        var hub = await factory.ConnectAsync(user.Token);

        var malformed = await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync<SessionView>("UploadScenario", "{ \"id\": "));
        Assert.Contains("not JSON", malformed.Message);
        var missing = await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync<SessionView>("UploadScenario", "{ \"title\": \"x\" }"));
        Assert.Contains("$.id", missing.Message);
        var big = await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync<SessionView>("UploadScenario", "{\"id\":\"" + new string('a', 5000) + "\"}"));
        Assert.Contains("limit is 2 KB", big.Message);
        var ok = await hub.InvokeAsync<SessionView>("UploadScenario", "{ \"id\": \"mine\" }");
        Assert.Equal("upload", ok.Source);
        await hub.DisposeAsync();
    }

    [Fact]
    public async Task Session_turn_limit_and_message_rate_limit_are_enforced()
    {
        using var factory = new ServerFactory(settings: new Dictionary<string, string>
        {
            ["Limits:SessionTurnLimit"] = "2",
            ["Limits:MessagesPerMinute"] = "4",
        });
        var (_, hub, _) = await StartedAsync(factory);
        await SendAsync(hub, "water");
        await SendAsync(hub, "water");
        var turns = await Assert.ThrowsAsync<HubException>(() => SendAsync(hub, "water"));
        Assert.Contains("limit of 2 turns", turns.Message);

        await hub.InvokeAsync<SessionView>("StartScenario", "thirsty-tom");
        await SendAsync(hub, "water");
        var rate = await Assert.ThrowsAsync<HubException>(() => SendAsync(hub, "water"));
        Assert.Matches(@"Too many messages: try again in \d+ s\.", rate.Message);
        await hub.DisposeAsync();
    }

    [Fact]
    public async Task A_failing_engine_ends_the_turn_with_an_error_event_and_the_next_turn_works()
    {
        using var factory = new ServerFactory();
        var (_, hub, _) = await StartedAsync(factory);

        var failed = await SendAsync(hub, "boom");
        Assert.Equal("error", failed[^1].Kind);
        Assert.Contains("could not finish", failed[^1].Text);
        Assert.Equal("done", (await SendAsync(hub, "water"))[^1].Kind);
        await hub.DisposeAsync();
    }

    [Fact]
    public async Task Cancelling_a_stream_stops_the_turn_and_frees_the_session()
    {
        // Each try below counts as a message: the limit must not be what ends the wait on a slow machine.
        using var factory = new ServerFactory(settings: new Dictionary<string, string> { ["Limits:MessagesPerMinute"] = "100000" });
        var (_, hub, _) = await StartedAsync(factory);
        using var cancel = new CancellationTokenSource();
        var tokens = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var item in hub.StreamAsync<ChatEvent>("SendMessage", "slow", cancel.Token))
            {
                if (++tokens == 3)
                {
                    await cancel.CancelAsync();
                }
            }
        });
        Assert.True(tokens >= 3);
        // The gate is released once the server notices the cancellation.
        await ServerFactory.WaitUntilAsync(async () =>
        {
            try
            {
                return (await SendAsync(hub, "water"))[^1].Kind == "done";
            }
            catch (HubException e) when (e.Message.Contains("previous message"))
            {
                return false;
            }
        });
        await hub.DisposeAsync();
    }

    [Fact]
    public async Task A_reconnecting_browser_resumes_its_session_and_another_user_does_not_see_it()
    {
        using var factory = new ServerFactory();
        var (_, hub, token) = await StartedAsync(factory);
        var turnId = (await SendAsync(hub, "water"))[^1].TurnId!;
        var before = await hub.InvokeAsync<SessionView>("ResumeSession");
        await hub.DisposeAsync();

        var again = await factory.ConnectAsync(token);
        var resumed = await again.InvokeAsync<SessionView?>("ResumeSession");
        Assert.NotNull(resumed);
        Assert.Equal(before.SessionId, resumed.SessionId);
        Assert.Equal(1, resumed.TurnsUsed);
        Assert.Equal("done", (await SendAsync(again, "juice"))[^1].Kind);
        Assert.Equal(1, (await again.InvokeAsync<FeedbackView>("Rate", turnId, true, null)).Rating);

        var stranger = await factory.ConnectAsync((await factory.NewUserAsync()).Token);
        Assert.Null(await stranger.InvokeAsync<SessionView?>("ResumeSession"));
        await again.DisposeAsync();
        await stranger.DisposeAsync();
    }

    [Fact]
    public async Task The_hub_refuses_a_connection_without_a_known_token()
    {
        using var factory = new ServerFactory();
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => factory.ConnectAsync("not-a-token"));
    }

    [Fact]
    public async Task Export_is_scoped_to_the_user_and_the_operator_gets_everything()
    {
        using var factory = new ServerFactory();
        var (_, alice, aliceToken) = await StartedAsync(factory);
        var (_, bob, bobToken) = await StartedAsync(factory);
        var aliceTurn = (await SendAsync(alice, "water"))[^1].TurnId!;
        var bobTurn = (await SendAsync(bob, "juice"))[^1].TurnId!;
        await alice.InvokeAsync<FeedbackView>("Rank", aliceTurn, new[] { 1, 3, 2 });
        await bob.InvokeAsync<FeedbackView>("Correct", bobTurn, "say \"Juice coming.\"");

        var aliceLines = await ExportAsync(factory, aliceToken);
        var line = Assert.Single(aliceLines);
        Assert.Equal("say \"Bringing you water.\"", line.GetProperty("chosen").GetString());
        Assert.Equal("say \"Here is juice.\"", line.GetProperty("rejected").GetString());
        Assert.Equal(3, line.GetProperty("ranking").GetArrayLength());
        Assert.Equal("scripted-1", line.GetProperty("policy_version").GetString());
        Assert.StartsWith("<obs>", line.GetProperty("prompt").GetString());
        var bobLine = Assert.Single(await ExportAsync(factory, bobToken));
        Assert.Equal("correction", bobLine.GetProperty("kind").GetString());
        Assert.Equal("say \"Juice coming.\"", bobLine.GetProperty("chosen").GetString());
        Assert.NotEqual(line.GetProperty("user").GetString(), bobLine.GetProperty("user").GetString());

        Assert.Equal(2, (await ExportAsync(factory, ServerFactory.OperatorToken)).Count);
        using var anonymous = factory.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/feedback/export")).StatusCode);
        await alice.DisposeAsync();
        await bob.DisposeAsync();
    }

    [Fact]
    public async Task The_http_api_answers_429_with_retry_after_past_the_per_user_limit()
    {
        using var factory = new ServerFactory(settings: new Dictionary<string, string> { ["Limits:HttpRequestsPerMinute"] = "3" });
        var user = await factory.NewUserAsync();
        using var client = factory.ClientWith(user.Token);
        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? last = null;
        for (var i = 0; i < 4; i++)
        {
            last = await client.GetAsync("/api/me");
            statuses.Add(last.StatusCode);
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
        Assert.True(last!.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Contains("try again in", await last.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Health_reports_the_policy_version()
    {
        using var factory = new ServerFactory();
        using var client = factory.CreateClient();
        var health = await client.GetFromJsonAsync<JsonElement>("/health");
        Assert.Equal("ok", health.GetProperty("status").GetString());
        Assert.Equal("scripted-1", health.GetProperty("policy").GetProperty("version").GetString());
        Assert.False(health.GetProperty("policy").GetProperty("trained").GetBoolean());
    }

    [Fact]
    public async Task The_page_and_the_signalr_client_are_served()
    {
        using var factory = new ServerFactory();
        using var client = factory.CreateClient();
        var page = await client.GetStringAsync("/");
        Assert.Contains("lib/signalr/signalr.min.js", page);
        Assert.Contains("CoopAgent", page);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/app.js")).StatusCode);
    }

    internal static async Task<List<JsonElement>> ExportAsync(ServerFactory factory, string token)
    {
        using var client = factory.ClientWith(token);
        var text = await client.GetStringAsync("/api/feedback/export");
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
    }
}
