using CoopAgent.Agent;
using CoopAgent.Alignment.Models;
using CoopAgent.Alignment.Policy;
using CoopAgent.Alignment.Tokenization;
using CoopAgent.Server.Sessions;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using AiChatRole = Microsoft.Extensions.AI.ChatRole;

namespace CoopAgent.Server.Tests.Sessions;

public sealed class PolicyBatcherTests
{
    private static TextPolicy TinyPolicy(long seed)
    {
        var tokenizer = CompactTokenizer.Build([]);
        return TextPolicy.CreateUntrained(seed, tokenizer, new GptConfig(tokenizer.Count, ContextLength: 128, Layers: 1, Heads: 2, Width: 16));
    }

    private static async Task<PolicyBatcher> StartAsync(InferenceWorker worker, long seed = 1, ILogger? logger = null, TimeSpan? followUpPatience = null)
    {
        var policy = await worker.RunAsync(_ => TinyPolicy(seed), CancellationToken.None);
        return new PolicyBatcher(worker, policy, new PolicyInfo(policy.Version, Trained: false, Source: "test"), logger, followUpPatience);
    }

    /// <summary>A batcher on two lanes, each with its own copy of the same policy (seed 1) loaded on its thread.</summary>
    private static async Task<PolicyBatcher> TwoLanesAsync(InferenceWorker first, InferenceWorker second)
    {
        var policies = await Task.WhenAll(first.RunAsync(_ => TinyPolicy(1), CancellationToken.None), second.RunAsync(_ => TinyPolicy(1), CancellationToken.None));
        return new PolicyBatcher([(first, policies[0]), (second, policies[1])], new PolicyInfo(policies[0].Version, Trained: false, Source: "test"));
    }

    private static List<ChatMessage> Chat(string instruction) =>
        [new(AiChatRole.System, "You are in the kitchen, holding nothing."), new(AiChatRole.User, instruction)];

    private static ChatOptions Options(int samples, long seed) => new()
    {
        Temperature = 1f,
        MaxOutputTokens = 8,
        Seed = seed,
        AdditionalProperties = new() { [PolicyChatClient.SamplesKey] = samples },
    };

    /// <summary>Options of a turn's later decision (<see cref="PolicyBatcher.FollowUpKey"/>).</summary>
    private static ChatOptions FollowUpOptions(int samples, long seed)
    {
        var options = Options(samples, seed);
        options.AdditionalProperties![PolicyBatcher.FollowUpKey] = true;
        return options;
    }

    /// <summary>What <see cref="PolicyChatClient"/> over the same policy (seed 1) gives for the call, on the inference thread.</summary>
    private static Task<ChatResponse> DirectAsync(InferenceWorker worker, List<ChatMessage> messages, ChatOptions options) =>
        worker.RunAsync(token =>
        {
            using var reference = TinyPolicy(1);
            using var client = new PolicyChatClient(reference);
            return client.GetResponseAsync(messages, options, token).GetAwaiter().GetResult();
        }, CancellationToken.None);

    /// <summary>A call for 60 tokens on a held lane, then the lane held again behind that call's first round: it
    /// returns with the call admitted and one step sampled, and the lane held until the returned source is set, so what
    /// the test queues next meets the call at that point however slowly the test's thread runs.</summary>
    private static async Task<(Task<ChatResponse> Running, TaskCompletionSource Release)> LongCallUnderWayAsync(PolicyBatcher batcher, InferenceWorker worker)
    {
        var options = Options(2, seed: 3);
        options.MaxOutputTokens = 60;
        var first = Block(worker);
        var running = batcher.GetResponseAsync(Chat("make tea"), options);
        var (held, release) = Hold(worker); // queued behind the call's first round
        first.SetResult();
        await held.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(1L, batcher.Counts.Steps);
        return (running, release);
    }

    /// <summary>Queues a job that holds the inference thread until <c>Release</c> is set; <c>Held</c> completes once
    /// the thread has taken it (after every job queued before it).</summary>
    private static (Task Held, TaskCompletionSource Release) Hold(InferenceWorker worker)
    {
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource();
        _ = worker.RunAsync(token =>
        {
            held.SetResult();
            return release.Task.Wait(TimeSpan.FromSeconds(30), token);
        }, CancellationToken.None);
        return (held.Task, release);
    }

    /// <summary>Holds the inference thread until the returned source is set; returns once the thread is held, so
    /// every job queued after it waits (and counts in <see cref="InferenceWorker.Pending"/>).</summary>
    private static TaskCompletionSource Block(InferenceWorker worker)
    {
        var (held, release) = Hold(worker);
        Assert.True(held.Wait(TimeSpan.FromSeconds(30)), "the inference thread did not take the blocking job");
        return release;
    }

    [Fact]
    public async Task Background_calls_wait_for_a_batch_no_agent_call_is_waiting_for()
    {
        using var worker = new InferenceWorker();
        using var batcher = await StartAsync(worker);
        var release = Block(worker);
        var background = Options(3, seed: 5);
        background.AdditionalProperties![PolicyBatcher.BackgroundKey] = true;
        var alternatives = batcher.GetResponseAsync(Chat("make tea"), background);
        var agent = batcher.GetResponseAsync(Chat("feed the cat"), Options(2, seed: 6));
        release.SetResult();

        // The agent call, queued second, joins first and alone; the alternatives join at a later step (waiting
        // together, without the mark, the two would join at once).
        Assert.Equal(2, (await agent).Messages.Count);
        Assert.Equal(3, (await alternatives).Messages.Count);
        Assert.Equal((2L, 2L), (batcher.Counts.Admissions, batcher.Counts.Calls));
    }

    /// <summary>Samples of a call that leaves no room for a call of 8 beside it.</summary>
    private const int Large = PolicyBatcher.MaxRowsPerBatch - 4;

    /// <summary>Patience no test run outlasts: the order of admissions cannot depend on how slowly the machine runs.</summary>
    private static readonly TimeSpan Patient = TimeSpan.FromDays(1);

    /// <summary>A follow-up for <see cref="Large"/> samples queued before a first decision for 8, which cannot join
    /// together (more rows than a batch holds); returns how many rows ran after each admission, in order.</summary>
    private static async Task<IReadOnlyList<int>> FollowUpThenFirstDecisionAsync(TimeSpan followUpPatience)
    {
        var log = new AdmissionLog();
        using var worker = new InferenceWorker();
        using var batcher = await StartAsync(worker, logger: log, followUpPatience: followUpPatience);
        var release = Block(worker);
        var followUp = batcher.GetResponseAsync(Chat("make tea"), FollowUpOptions(Large, seed: 5));
        var firstDecision = batcher.GetResponseAsync(Chat("feed the cat"), Options(8, seed: 6));
        release.SetResult();

        Assert.Equal(8, (await firstDecision).Messages.Count);
        Assert.Equal(Large, (await followUp).Messages.Count);
        Assert.Equal(2L, batcher.Counts.Admissions);
        return log.Rows;
    }

    [Fact]
    public async Task A_first_decision_joins_before_a_follow_up_that_was_queued_earlier()
    {
        Assert.Equal([8, Large], await FollowUpThenFirstDecisionAsync(followUpPatience: Patient));
    }

    [Fact]
    public async Task A_follow_up_that_has_waited_its_patience_joins_before_first_decisions()
    {
        Assert.Equal([Large, 8], await FollowUpThenFirstDecisionAsync(followUpPatience: TimeSpan.Zero));
    }

    [Fact]
    public async Task Follow_ups_leave_a_first_decisions_rows_free_in_a_busy_lane_but_fill_an_empty_one()
    {
        var log = new AdmissionLog();
        using var worker = new InferenceWorker();
        using var batcher = await StartAsync(worker, logger: log, followUpPatience: Patient);
        var release = Block(worker);
        const int Wide = PolicyBatcher.MaxRowsPerBatch - PolicyBatcher.FirstDecisionReserve - 4;
        Task<ChatResponse> FollowUp(int samples, long seed) => batcher.GetResponseAsync(Chat("make tea"), FollowUpOptions(samples, seed));

        // Two follow-ups that fit one lane together, but only by taking rows kept for a new message's first decision:
        // the second waits for the first to end. One that needs more than a busy lane leaves joins an empty lane.
        var wide = FollowUp(Wide, seed: 5);
        var narrow = FollowUp(PolicyBatcher.FirstDecisionReserve, seed: 6);
        var whole = FollowUp(PolicyBatcher.MaxRowsPerBatch - 2, seed: 7);
        release.SetResult();

        Assert.Equal(Wide, (await wide).Messages.Count);
        Assert.Equal(PolicyBatcher.FirstDecisionReserve, (await narrow).Messages.Count);
        Assert.Equal(PolicyBatcher.MaxRowsPerBatch - 2, (await whole).Messages.Count);
        Assert.Equal([Wide, PolicyBatcher.FirstDecisionReserve, PolicyBatcher.MaxRowsPerBatch - 2], log.Rows);
    }

    [Fact]
    public async Task Calls_waiting_together_join_the_batch_at_once_and_each_gets_its_own_samples()
    {
        using var worker = new InferenceWorker();
        using var batcher = await StartAsync(worker);
        var release = Block(worker);
        var calls = new[] { ("make tea", 2), ("feed the cat", 3), ("tidy up", 1) }
            .Select(c => batcher.GetResponseAsync(Chat(c.Item1), Options(c.Item2, seed: 4))).ToList();
        release.SetResult();
        var responses = await Task.WhenAll(calls);

        Assert.Equal([2, 3, 1], responses.Select(r => r.Messages.Count));
        Assert.All(responses, r => Assert.Equal(batcher.Info.Version, r.ModelId));
        Assert.Equal((1L, 3L), (batcher.Counts.Admissions, batcher.Counts.Calls));
        Assert.True(batcher.Counts.RowSteps >= 6 * batcher.Counts.Steps / 8, "the six rows should share steps");
    }

    [Fact]
    public async Task A_call_sampled_alone_gives_what_the_policy_chat_client_gives()
    {
        using var worker = new InferenceWorker();
        using var batcher = await StartAsync(worker);
        var alone = await batcher.GetResponseAsync(Chat("make tea"), Options(4, seed: 11));
        var direct = await DirectAsync(worker, Chat("make tea"), Options(4, seed: 11));

        Assert.Equal(direct.Messages.Select(m => m.Text), alone.Messages.Select(m => m.Text));
    }

    [Fact]
    public async Task A_call_cancelled_while_waiting_is_skipped_and_the_others_are_answered()
    {
        using var worker = new InferenceWorker();
        using var batcher = await StartAsync(worker);
        var release = Block(worker);
        using var cancel = new CancellationTokenSource();
        var cancelled = batcher.GetResponseAsync(Chat("make tea"), Options(2, seed: 1), cancel.Token);
        var kept = batcher.GetResponseAsync(Chat("feed the cat"), Options(2, seed: 1));
        await cancel.CancelAsync();
        release.SetResult();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        Assert.Equal(2, (await kept).Messages.Count);
        Assert.Equal(1L, batcher.Counts.Calls);
    }

    [Fact]
    public async Task A_call_arriving_mid_batch_is_answered_before_the_running_call_ends_with_its_own_samples()
    {
        using var worker = new InferenceWorker();
        var log = new AdmissionLog();
        using var batcher = await StartAsync(worker, logger: log);
        // The untrained policy rarely ends early, so the first call runs its 60 tokens; the second asks for 4 and is
        // queued after the first call's first step.
        var (running, release) = await LongCallUnderWayAsync(batcher, worker);

        var shortOptions = Options(3, seed: 9);
        shortOptions.MaxOutputTokens = 4;
        var queued = batcher.GetResponseAsync(Chat("feed the cat"), shortOptions);
        release.SetResult();
        var arriving = await queued;

        Assert.Equal(3, arriving.Messages.Count);
        await running;
        // It joined while the first call's two samples were running (waiting for them to end, it would join 3 rows).
        Assert.Equal([2, 2 + 3], log.Rows);

        // What it got is what it gets alone.
        var alone = await DirectAsync(worker, Chat("feed the cat"), shortOptions);
        Assert.Equal(alone.Messages.Select(m => m.Text), arriving.Messages.Select(m => m.Text));
    }

    [Fact]
    public async Task A_prompt_seen_before_is_prefilled_from_its_prefix_and_gets_the_same_samples()
    {
        using var worker = new InferenceWorker();
        using var batcher = await StartAsync(worker);
        var first = await batcher.GetResponseAsync(Chat("make tea"), Options(3, seed: 5));
        Assert.Equal(0L, batcher.Counts.PromptTokensReused);
        var again = await batcher.GetResponseAsync(Chat("make tea"), Options(3, seed: 5));

        Assert.Equal(first.Messages.Select(m => m.Text), again.Messages.Select(m => m.Text));
        var counts = batcher.Counts;
        Assert.Equal(counts.PromptTokens / 2 - 1, counts.PromptTokensReused); // all but the last token of the second
    }

    [Fact]
    public async Task A_call_that_could_never_run_fails_alone()
    {
        using var worker = new InferenceWorker();
        using var batcher = await StartAsync(worker);
        var release = Block(worker);
        var tooMany = batcher.GetResponseAsync(Chat("make tea"), Options(PolicyBatcher.MaxRowsPerBatch + 1, seed: 1));
        var fine = batcher.GetResponseAsync(Chat("feed the cat"), Options(2, seed: 1));
        release.SetResult();

        await Assert.ThrowsAsync<ArgumentException>(() => tooMany);
        Assert.Equal(2, (await fine).Messages.Count);
    }

    [Fact]
    public async Task A_replacement_serves_the_next_batch_and_a_failed_load_keeps_the_old_policy()
    {
        using var worker = new InferenceWorker();
        using var batcher = await StartAsync(worker, seed: 1);
        var first = batcher.Info.Version;

        await Assert.ThrowsAsync<InvalidDataException>(() => batcher.ReplaceAsync(() => throw new InvalidDataException("broken checkpoint"), CancellationToken.None));
        Assert.Equal(first, batcher.Info.Version);
        Assert.Equal(first, (await batcher.GetResponseAsync(Chat("make tea"), Options(1, seed: 1))).ModelId);

        var info = await batcher.ReplaceAsync(() =>
        {
            var next = TinyPolicy(2);
            return (next, new PolicyInfo(next.Version, Trained: true, Source: "swapped"));
        }, CancellationToken.None);

        Assert.NotEqual(first, info.Version);
        Assert.Equal(info, batcher.Info);
        Assert.Equal(info.Version, (await batcher.GetResponseAsync(Chat("make tea"), Options(1, seed: 1))).ModelId);
    }

    [Fact]
    public async Task A_replacement_waits_for_the_calls_being_sampled_and_serves_the_next_ones()
    {
        using var worker = new InferenceWorker();
        using var batcher = await StartAsync(worker, seed: 1);
        var first = batcher.Info.Version;
        var (running, release) = await LongCallUnderWayAsync(batcher, worker);

        // Requested one step into the call; it loads on the lane's thread between two steps. A call arriving once it
        // has loaded waits for it (one arriving before, while it loads, is served by the old policy meanwhile).
        var loaded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var swap = batcher.ReplaceAsync(() =>
        {
            var next = TinyPolicy(2);
            loaded.SetResult();
            return (next, new PolicyInfo(next.Version, Trained: true, Source: "swapped"));
        }, CancellationToken.None);
        release.SetResult();
        await loaded.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var after = batcher.GetResponseAsync(Chat("feed the cat"), Options(1, seed: 1));

        Assert.Equal(first, (await running).ModelId);
        var info = await swap;
        Assert.NotEqual(first, info.Version);
        Assert.Equal(info.Version, (await after).ModelId);
    }

    [Fact]
    public async Task Calls_of_the_message_that_arrived_first_join_first_whatever_order_they_were_queued_in()
    {
        var log = new AdmissionLog();
        using var worker = new InferenceWorker();
        using var batcher = await StartAsync(worker, logger: log);
        var release = Block(worker);
        // 40 + 30 rows cannot join together (more than MaxRowsPerBatch): the call of the earlier message, queued second, joins first.
        var later = Options(40, seed: 5);
        later.AdditionalProperties![PolicyBatcher.TurnStartedKey] = 2_000L;
        var earlier = Options(30, seed: 6);
        earlier.AdditionalProperties![PolicyBatcher.TurnStartedKey] = 1_000L;
        var laterCall = batcher.GetResponseAsync(Chat("make tea"), later);
        var earlierCall = batcher.GetResponseAsync(Chat("feed the cat"), earlier);
        release.SetResult();

        Assert.Equal(30, (await earlierCall).Messages.Count);
        Assert.Equal(40, (await laterCall).Messages.Count);
        Assert.Equal([30, 40], log.Rows);
    }

    [Fact]
    public async Task Two_lanes_answer_while_one_is_busy_give_the_samples_of_one_lane_and_swap_together()
    {
        using var first = new InferenceWorker();
        using var second = new InferenceWorker();
        using var batcher = await TwoLanesAsync(first, second);
        Assert.Equal(2, batcher.Lanes);

        // One lane held: the other answers, with what the policy gives the call anywhere.
        var release = Block(first);
        var answered = await batcher.GetResponseAsync(Chat("make tea"), Options(4, seed: 11)).WaitAsync(TimeSpan.FromSeconds(20));
        release.SetResult();
        Assert.Equal((await DirectAsync(first, Chat("make tea"), Options(4, seed: 11))).Messages.Select(m => m.Text), answered.Messages.Select(m => m.Text));
        var together = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => batcher.GetResponseAsync(Chat("feed the cat"), Options(2, seed: 30 + i))));
        for (var i = 0; i < together.Length; i++)
        {
            Assert.Equal((await DirectAsync(first, Chat("feed the cat"), Options(2, seed: 30 + i))).Messages.Select(m => m.Text), together[i].Messages.Select(m => m.Text));
        }

        // A load that fails on one lane leaves the old policy on both; one that loads everywhere serves everywhere.
        var loads = 0;
        await Assert.ThrowsAsync<InvalidDataException>(() => batcher.ReplaceAsync(() =>
        {
            if (Interlocked.Increment(ref loads) == 2)
            {
                throw new InvalidDataException("broken on the second lane");
            }

            var next = TinyPolicy(2);
            return (next, new PolicyInfo(next.Version, Trained: true, Source: "swapped"));
        }, CancellationToken.None));
        var old = batcher.Info.Version;
        Assert.All(await Task.WhenAll(Enumerable.Range(0, 6).Select(i => batcher.GetResponseAsync(Chat("make tea"), Options(1, seed: i)))), r => Assert.Equal(old, r.ModelId));

        var info = await batcher.ReplaceAsync(() =>
        {
            var next = TinyPolicy(2);
            return (next, new PolicyInfo(next.Version, Trained: true, Source: "swapped"));
        }, CancellationToken.None);
        Assert.NotEqual(old, info.Version);
        var blocked = Block(second);
        Assert.Equal(info.Version, (await batcher.GetResponseAsync(Chat("make tea"), Options(1, seed: 1)).WaitAsync(TimeSpan.FromSeconds(20))).ModelId);
        blocked.SetResult();
        blocked = Block(first);
        Assert.Equal(info.Version, (await batcher.GetResponseAsync(Chat("make tea"), Options(1, seed: 1)).WaitAsync(TimeSpan.FromSeconds(20))).ModelId);
        blocked.SetResult();
    }

    [Fact]
    public async Task A_call_that_does_not_fit_one_lane_is_left_for_another_instead_of_waiting_there()
    {
        using var first = new InferenceWorker();
        using var second = new InferenceWorker();
        using var batcher = await TwoLanesAsync(first, second);
        // Both lanes held; a call of Large samples for 100 tokens goes to the first lane, which is held again after one
        // step of it.
        var secondHeld = Block(second);
        var firstHeld = Block(first);
        var longOptions = Options(Large, seed: 3);
        longOptions.MaxOutputTokens = 100;
        var running = batcher.GetResponseAsync(Chat("make tea"), longOptions);
        var afterOneStep = Hold(first);
        firstHeld.SetResult();
        await afterOneStep.Held.WaitAsync(TimeSpan.FromSeconds(30));

        // 8 more samples do not fit the first lane (Large + 8 > MaxRowsPerBatch). It takes one more round, looking at the
        // call and leaving it queued, and is held again; the second lane, released, answers the call while the long
        // one cannot have ended.
        var shortOptions = Options(8, seed: 9);
        shortOptions.MaxOutputTokens = 4;
        var arriving = batcher.GetResponseAsync(Chat("feed the cat"), shortOptions);
        var afterTwoSteps = Hold(first);
        afterOneStep.Release.SetResult();
        await afterTwoSteps.Held.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal((1L, 2L), (batcher.Counts.Admissions, batcher.Counts.Steps));
        secondHeld.SetResult();

        Assert.Equal(8, (await arriving.WaitAsync(TimeSpan.FromSeconds(30))).Messages.Count);
        Assert.False(running.IsCompleted, "the short call should not have waited for the long one");
        afterTwoSteps.Release.SetResult();
        Assert.Equal(Large, (await running).Messages.Count);
    }

    [Fact]
    public async Task Calls_waiting_when_the_batcher_is_disposed_fail_instead_of_hanging()
    {
        var worker = new InferenceWorker();
        var batcher = await StartAsync(worker);
        var release = Block(worker);
        var waiting = batcher.GetResponseAsync(Chat("make tea"), Options(2, seed: 1));
        var disposing = Task.Run(batcher.Dispose);
        // The inference thread is released only once disposal has begun (its job queued behind the call's round), so
        // the call cannot be answered first however quickly the thread runs.
        Assert.True(SpinWait.SpinUntil(() => worker.Pending == 2, TimeSpan.FromSeconds(30)));
        release.SetResult();
        await disposing;

        await Assert.ThrowsAsync<ObjectDisposedException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(0L, batcher.Counts.Admissions); // the round queued before disposal began took nothing in
        await Assert.ThrowsAsync<ObjectDisposedException>(() => batcher.GetResponseAsync(Chat("make tea"), Options(1, seed: 1)));
        worker.Dispose();
    }

    [Fact]
    public void A_batcher_without_lanes_is_refused() =>
        Assert.Throws<ArgumentException>(() => new PolicyBatcher([], new PolicyInfo("v", Trained: false, Source: "test")));

    /// <summary>Keeps the rows running after each admission, from the batcher's debug line.</summary>
    private sealed class AdmissionLog : ILogger
    {
        private readonly List<int> _rows = [];

        public IReadOnlyList<int> Rows
        {
            get
            {
                lock (_rows)
                {
                    return [.. _rows];
                }
            }
        }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (state is IReadOnlyList<KeyValuePair<string, object?>> fields && fields.FirstOrDefault(f => f.Key == "Rows").Value is int rows)
            {
                lock (_rows)
                {
                    _rows.Add(rows);
                }
            }
        }
    }
}
