using CoopAgent.Server.Feedback;
using CoopAgent.Server.Hubs;
using CoopAgent.Server.Sessions;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CoopAgent.Server.Tests.Hubs;

/// <summary>The hub streams the real agent's turn step by step: what the robot did reaches the page while the turn's
/// next decision is still being sampled.</summary>
public sealed class StepStreamingHubTests
{
    private const string Instruction = "My phone is dying, can you bring my charger from the bedroom?";

    /// <summary>The real engine whose agents call <paramref name="policy"/> instead of the sampled policy.</summary>
    private static ServerFactory ServerWith(IChatClient policy) => new(
        scripted: false,
        settings: new Dictionary<string, string> { ["policy"] = Path.Combine(Path.GetTempPath(), "coopagent-no-policy-here") },
        services: s => s.AddSingleton<IConversationEngine>(sp => new CooperativeConversationEngine(
            sp.GetRequiredService<ServerOptions>(),
            sp.GetRequiredService<InferenceWorker>(),
            sp.GetRequiredService<FeedbackStore>(),
            sp.GetRequiredService<ILogger<CooperativeConversationEngine>>(),
            _ => policy)));

    [Fact]
    public async Task The_first_action_reaches_the_page_while_the_next_decision_is_still_waiting_for_the_policy()
    {
        // The only plan walks into the bedroom the robot has not seen (where the charger may be): the agent looks
        // there first and decides again on what it sees — a second policy call, held here until the test lets it go.
        using var policy = new GatedPolicy("goto bedroom; done");
        using var factory = ServerWith(policy);
        var user = await factory.NewUserAsync();
        await using var hub = await factory.ConnectAsync(user.Token);
        await hub.InvokeAsync<SessionView>("StartScenario", "hidden-charger-in-bedroom");

        await using var stream = hub.StreamAsync<ChatEvent>("SendMessage", Instruction).GetAsyncEnumerator();
        // Without step streaming the first item would wait for the held call: fail instead of hanging.
        Assert.True(await stream.MoveNextAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(20)));
        var first = stream.Current;

        Assert.Equal("actions", first.Kind);
        Assert.Equal("goto bedroom", Assert.Single(first.Steps!).Action);
        // The second decision is asked for and held: the action above came before it could be answered.
        await ServerFactory.WaitUntilAsync(() => policy.Calls >= 2);

        // Nothing had streamed when the first decision was asked for; the second comes after an action was shown, so
        // other people's first decisions may go ahead of it (PolicyBatcher.FollowUpKey).
        Assert.Equal([false, true], policy.FollowUps.Take(2));

        policy.Release();
        var rest = new List<ChatEvent>();
        while (await stream.MoveNextAsync())
        {
            rest.Add(stream.Current);
        }

        Assert.Equal("done", rest[^1].Kind);
        Assert.Contains(rest, e => e.Kind is "token" or "question");
        Assert.DoesNotContain(rest, e => e.Kind == "actions" && e.Steps!.Any(s => s.Action == "goto bedroom"));
    }

    [Fact]
    public async Task A_turn_that_only_acts_streams_each_action_then_its_summary_and_the_transcript_lists_them_all()
    {
        using var policy = new GatedPolicy("goto bedroom; done") { Open = true };
        using var factory = ServerWith(policy);
        var user = await factory.NewUserAsync();
        await using var hub = await factory.ConnectAsync(user.Token);
        await hub.InvokeAsync<SessionView>("StartScenario", "hidden-charger-in-bedroom");

        var events = new List<ChatEvent>();
        await foreach (var item in hub.StreamAsync<ChatEvent>("SendMessage", Instruction))
        {
            events.Add(item);
        }

        var done = events[^1];
        Assert.Equal("done", done.Kind);
        var streamed = events.Where(e => e.Kind == "actions").SelectMany(e => e.Steps!).Select(s => s.Action).ToList();
        Assert.Equal("goto bedroom", streamed[0]);
        Assert.All(events.Where(e => e.Kind == "actions"), e => Assert.Single(e.Steps!));
        if (done.ReplyKind == "plan")
        {
            // The reply recorded for feedback is every action the turn ran, in the order they streamed.
            Assert.Equal(string.Join("; ", streamed), done.Text);
            Assert.StartsWith("Done: ", string.Concat(events.Where(e => e.Kind == "token").Select(e => e.Text)), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_policy_failure_after_the_first_action_ends_the_turn_with_an_error_and_the_next_message_is_answered()
    {
        using var policy = new GatedPolicy("goto bedroom; done") { Open = true, FailFromSecondCall = true };
        using var factory = ServerWith(policy);
        var user = await factory.NewUserAsync();
        await using var hub = await factory.ConnectAsync(user.Token);
        await hub.InvokeAsync<SessionView>("StartScenario", "hidden-charger-in-bedroom");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        var events = new List<ChatEvent>();
        await foreach (var item in hub.StreamAsync<ChatEvent>("SendMessage", Instruction, timeout.Token))
        {
            events.Add(item);
        }

        // What already ran stays shown; the turn then ends with a readable error, and nothing is recorded as done.
        Assert.Equal(["actions", "error"], events.Select(e => e.Kind));
        Assert.Equal("goto bedroom", Assert.Single(events[0].Steps!).Action);

        policy.FailFromSecondCall = false;
        ChatEvent? last = null;
        await foreach (var item in hub.StreamAsync<ChatEvent>("SendMessage", Instruction, timeout.Token))
        {
            last = item;
        }

        Assert.Equal("done", last?.Kind);
    }

    /// <summary>Answers every call with one plan (as many samples as asked for); from the second call on, only once
    /// <see cref="Release"/> was called (or at once when <see cref="Open"/>).</summary>
    private sealed class GatedPolicy(string plan) : IChatClient
    {
        private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _calls;

        public bool Open { get; init; }

        /// <summary>While set, every call after the first fails (as a broken policy would).</summary>
        public bool FailFromSecondCall { get; set; }

        public int Calls => Volatile.Read(ref _calls);

        public bool Released => _gate.Task.IsCompleted;

        /// <summary>Whether each call, in order, came marked as a follow-up.</summary>
        public System.Collections.Concurrent.ConcurrentQueue<bool> FollowUps { get; } = new();

        public void Release() => _gate.TrySetResult();

        public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            FollowUps.Enqueue(options?.AdditionalProperties?.ContainsKey(PolicyBatcher.FollowUpKey) == true);
            var call = Interlocked.Increment(ref _calls);
            if (call > 1 && FailFromSecondCall)
            {
                throw new InvalidOperationException("the policy broke");
            }

            if (call > 1 && !Open)
            {
                await _gate.Task.WaitAsync(cancellationToken);
            }

            var samples = options?.AdditionalProperties?.TryGetValue(Agent.PolicyChatClient.SamplesKey, out var n) == true && n is int k ? k : 1;
            return new ChatResponse(Enumerable.Range(0, samples).Select(_ => new ChatMessage(ChatRole.Assistant, plan)).ToList()) { ModelId = "scripted" };
        }

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException("the agent does not stream its policy calls");

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose() => _gate.TrySetCanceled();
    }
}
