using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using CoopAgent.Agent;
using CoopAgent.Alignment.Generation;
using CoopAgent.Alignment.Policy;
using CoopAgent.Alignment.Tokenization;
using Microsoft.Extensions.AI;

namespace CoopAgent.Server.Sessions;

/// <summary>
/// The serving policy behind <see cref="IChatClient"/>, shared by every conversation. Agent turns run on the thread
/// pool and only their policy calls come here: a call is queued, and the <see cref="InferenceWorker"/> thread runs
/// one <see cref="ContinuousBatch"/>: between any two decoding steps, waiting calls join it (up to
/// <see cref="MaxRowsPerBatch"/> rows), and a call leaves, answered, at the step its last sample ends. So a call
/// never waits for a whole batch to finish, and every step decodes only samples still being written. A joining
/// call's prompt is prefilled from the longest prefix it shares with a recent prompt (<see cref="PrefixCache"/>).
/// </summary>
/// <remarks>
/// The policy lives on the inference thread: it is loaded there, sampled there and replaced there
/// (<see cref="ReplaceAsync"/>): a replacement waits until the running calls have left (no call joins meanwhile), so
/// TorchSharp's thread-bound scopes never cross threads and a swap never cuts into a call. Each call draws from its
/// own generator seeded with its seed, so what it gets does not depend on the calls sharing its steps: it is what
/// <see cref="PolicyChatClient"/> gives for the same call.
/// </remarks>
public sealed class PolicyBatcher : IChatClient
{
    /// <summary>Most samples decoded at once (six calls of eight samples). The KV cache holds up to this many slots
    /// and shared prompt beginnings, 63 MB each at most with the default policy, touched only as used. More rows make a
    /// step cheaper per row but longer, and a person waits for a turn's steps one after another: under the 50-client load
    /// (session 8, six runs each, alternated) 48 rows gave a p50 after each client's first turn of 491 ms against 593 ms
    /// with 64 and a p99 of 1187 against 1259 ms, for 3 % fewer calls answered a second; 32 rows gave ~330 ms but, with
    /// 15 % fewer calls a second, a worse p99 (1216–1550 ms: the opening burst waits longer). 128 were measured at +4 %
    /// calls a second before prompts were shared.</summary>
    public const int MaxRowsPerBatch = 48;

    /// <summary>Rows of a lane that follow-ups leave free (one first decision's samples), so that a message arriving while
    /// the lane is busy with other turns' later steps starts at the next step instead of waiting for rows to free up.
    /// A lane with nothing running takes a follow-up of any size. Under the 50-client load (session 9, three runs each,
    /// alternated) 8 rows gave a p50 after each client's first turn of 293–312 ms against 336–543 without, for ~3 %
    /// fewer calls answered a second; 16 gave ~245 ms, but its p99 was no better than 8's.</summary>
    public const int FirstDecisionReserve = 8;

    /// <summary>Recent prompts whose keys and values are kept to prefill later prompts from (the same home, the same
    /// conversation a turn later): at most 32 × 256 positions × 4 layers × 2 × 160 floats, 42 MB, with the default policy.</summary>
    public const int PrefixesKept = 32;

    /// <summary>A <see cref="ChatOptions.AdditionalProperties"/> key: <c>true</c> marks a call nobody is waiting to read
    /// (the alternatives drawn for the feedback panel after a reply has streamed). A background call joins only when no
    /// agent call is waiting, and only while at most half the rows are taken, so it never keeps a person's next reply
    /// from joining.</summary>
    public const string BackgroundKey = "coopagent.background";

    /// <summary>A <see cref="ChatOptions.AdditionalProperties"/> key: <c>true</c> marks a later decision of a turn that has
    /// already shown the person something (an action, a line). Follow-ups join after the waiting calls nothing of whose
    /// turn has been shown yet (a message's first decision), so a new message's first reply does not queue behind other
    /// turns' later steps; a follow-up that has waited its patience (<see cref="DefaultFollowUpPatience"/>) goes first, so
    /// none waits forever.</summary>
    public const string FollowUpKey = "coopagent.follow-up";

    /// <summary>A <see cref="ChatOptions.AdditionalProperties"/> key: the <see cref="Stopwatch.GetTimestamp"/> at which the
    /// person's message that this call serves arrived. Calls before anything of a reply has been shown join oldest message
    /// first, so a turn's second call (its imagined answers) goes ahead of a later message's first: a message's first
    /// reply waits for the messages before it, not for every message's first step. A call without it counts from when it
    /// was queued.</summary>
    public const string TurnStartedKey = "coopagent.turn-started";

    /// <summary>Longest a follow-up waits behind first decisions unless the constructor says otherwise.</summary>
    public static readonly TimeSpan DefaultFollowUpPatience = TimeSpan.FromSeconds(5);

    private readonly ILogger? _logger;
    private readonly TimeSpan _followUpPatience;
    private readonly OldestTurnFirst<PendingCall> _pending = new();
    private readonly ConcurrentQueue<PendingCall> _followUps = new();
    private readonly ConcurrentQueue<PendingCall> _background = new();
    private readonly Lane[] _lanes;
    private readonly SemaphoreSlim _replacing = new(1, 1);
    private volatile bool _disposed;

    private volatile ServedPolicy _served;
    private long _admissions;
    private long _calls;
    private long _steps;
    private long _rowSteps;
    private long _decodedRowSteps;
    private long _forcedTokens;
    private long _promptTokens;
    private long _promptTokensReused;

    /// <summary>Starts serving <paramref name="policy"/> (already loaded on <paramref name="worker"/>'s thread) on one lane.</summary>
    /// <param name="worker">The inference thread.</param>
    /// <param name="policy">The policy to serve first.</param>
    /// <param name="info">Its version and origin.</param>
    /// <param name="logger">Gets a debug line whenever calls join the batch.</param>
    /// <param name="followUpPatience">Longest a follow-up call waits behind first decisions
    /// (<see cref="DefaultFollowUpPatience"/> when null).</param>
    public PolicyBatcher(InferenceWorker worker, TextPolicy policy, PolicyInfo info, ILogger? logger = null, TimeSpan? followUpPatience = null)
        : this([(worker ?? throw new ArgumentNullException(nameof(worker)), policy ?? throw new ArgumentNullException(nameof(policy)))], info, logger, followUpPatience)
    {
    }

    /// <summary>Starts serving on several lanes: each an inference thread with its own copy of the policy (loaded on
    /// that thread) and its own batch, all taking calls from the same queues. On a CPU one lane keeps one core busy, so
    /// a machine with cores to spare answers more calls at once; a call is answered by whichever lane takes it, and
    /// gets the same samples on any (its own seed, the same weights).</summary>
    /// <param name="lanes">Each lane's thread and policy: the same checkpoint, loaded once per lane.</param>
    /// <param name="info">Its version and origin.</param>
    /// <param name="logger">Gets a debug line whenever calls join a batch.</param>
    /// <param name="followUpPatience">Longest a follow-up call waits behind first decisions
    /// (<see cref="DefaultFollowUpPatience"/> when null).</param>
    public PolicyBatcher(IReadOnlyList<(InferenceWorker Worker, TextPolicy Policy)> lanes, PolicyInfo info, ILogger? logger = null, TimeSpan? followUpPatience = null)
    {
        ArgumentNullException.ThrowIfNull(lanes);
        ArgumentNullException.ThrowIfNull(info);
        if (lanes.Count == 0)
        {
            throw new ArgumentException("a batcher needs at least one lane.", nameof(lanes));
        }

        _logger = logger;
        _followUpPatience = followUpPatience ?? DefaultFollowUpPatience;
        _lanes = [.. lanes.Select(l => new Lane(this, l.Worker ?? throw new ArgumentException("a lane without a worker.", nameof(lanes)), l.Policy ?? throw new ArgumentException("a lane without a policy.", nameof(lanes))))];
        _served = new ServedPolicy(info, lanes[0].Policy.Tokenizer);
    }

    /// <summary>The policy answering now.</summary>
    public PolicyInfo Info => _served.Info;

    /// <summary>The serving policy's tokenizer (immutable, safe on any thread), for streaming replies in its tokens.</summary>
    public CompactTokenizer Tokenizer => _served.Tokenizer;

    /// <summary>Inference threads taking calls.</summary>
    public int Lanes => _lanes.Length;

    /// <summary>What the batch has done so far (for the bench, the log and tests).</summary>
    public BatcherCounts Counts => new(
        Interlocked.Read(ref _admissions), Interlocked.Read(ref _calls), Interlocked.Read(ref _steps), Interlocked.Read(ref _rowSteps),
        Interlocked.Read(ref _promptTokens), Interlocked.Read(ref _promptTokensReused), Interlocked.Read(ref _decodedRowSteps), Interlocked.Read(ref _forcedTokens));

    /// <summary>
    /// Loads a policy with <paramref name="load"/> on every lane's thread and, when it loads on all of them, makes it the
    /// serving one on each lane as soon as that lane's running calls have left (calls arriving meanwhile wait for it or
    /// go to a lane that has swapped); the old one is disposed. When <paramref name="load"/> throws on any lane, the old
    /// policy keeps serving everywhere and the task fails with the exception.
    /// </summary>
    public async Task<PolicyInfo> ReplaceAsync(Func<(TextPolicy Policy, PolicyInfo Info)> load, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(load);
        ObjectDisposedException.ThrowIf(_disposed, this);
        // One replacement at a time: a lane holds one loaded policy, and every lane must end on the same one.
        await _replacing.WaitAsync(cancellationToken);
        try
        {
            var loads = _lanes.Select(lane => lane.LoadAsync(load, cancellationToken)).ToList();
            try
            {
                await Task.WhenAll(loads);
            }
            catch
            {
                foreach (var loaded in loads.Where(l => l.IsCompletedSuccessfully))
                {
                    await loaded.Result.Lane.DiscardAsync(loaded.Result.Policy);
                }

                throw;
            }

            var info = loads[0].Result.Info;
            var replacement = new Replacement(info, _lanes.Length);
            foreach (var loaded in loads)
            {
                loaded.Result.Lane.Offer(replacement, loaded.Result.Policy);
            }

            return await replacement.Done.Task;
        }
        finally
        {
            _replacing.Release();
        }
    }

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        cancellationToken.ThrowIfCancellationRequested();
        ObjectDisposedException.ThrowIf(_disposed, this);
        var call = new PendingCall(messages.ToList(), options);
        await using var registration = cancellationToken.Register(() => call.Completion.TrySetCanceled(cancellationToken));
        if (Marked(options, BackgroundKey))
        {
            _background.Enqueue(call);
        }
        else if (Marked(options, FollowUpKey))
        {
            _followUps.Enqueue(call);
        }
        else
        {
            _pending.Enqueue(call, options?.AdditionalProperties?.TryGetValue(TurnStartedKey, out var started) == true && started is long at ? at : call.Queued);
        }

        foreach (var lane in _lanes)
        {
            lane.SchedulePump();
        }

        return await call.Completion.Task;
    }

    /// <summary>The whole response as one update: the agent asks for complete samples, and the chat streams a
    /// reply only after the turn is decided.</summary>
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var response = await GetResponseAsync(messages, options, cancellationToken);
        foreach (var update in response.ToChatResponseUpdates())
        {
            yield return update;
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is not null ? null
            : serviceType == typeof(ChatClientMetadata) ? new ChatClientMetadata("coopagent", providerUri: null, defaultModelId: Info.Version)
            : serviceType.IsInstanceOfType(this) ? this
            : null;
    }

    /// <summary>Disposes each lane's policy and batch on its thread; calls still in a batch or waiting fail.</summary>
    public void Dispose()
    {
        _disposed = true;
        Task.WaitAll([.. _lanes.Select(l => l.DisposeAsync())], TimeSpan.FromSeconds(10));
        var stopped = new ObjectDisposedException(nameof(PolicyBatcher));
        while (_pending.TryDequeue(out var call) || _followUps.TryDequeue(out call) || _background.TryDequeue(out call))
        {
            call.Completion.TrySetException(stopped);
        }

        _replacing.Dispose();
    }

    private bool AgentCallsWaiting => !_pending.IsEmpty || !_followUps.IsEmpty;

    private bool AnyWaiting => AgentCallsWaiting || !_background.IsEmpty;

    /// <summary>The next agent call to join, if it fits in <paramref name="free"/> rows: a follow-up out of patience,
    /// else the oldest message's first decision, else a follow-up that leaves <see cref="FirstDecisionReserve"/> rows
    /// free (any, in an empty lane). A next call that does not fit stays queued (another lane may take it) and nothing
    /// younger is taken past it.</summary>
    private bool TryDequeueAgentCall(int free, [NotNullWhen(true)] out PendingCall? call)
    {
        if (_followUps.TryPeek(out var oldest) && Stopwatch.GetElapsedTime(oldest.Queued) >= _followUpPatience)
        {
            return TryDequeueFitting(_followUps, free, out call);
        }

        if (!_pending.IsEmpty)
        {
            return _pending.TryDequeueIf(c => c.Fits(free), out call);
        }

        return TryDequeueFitting(_followUps, free < MaxRowsPerBatch ? free - FirstDecisionReserve : free, out call);
    }

    /// <summary>The head of <paramref name="queue"/> when it fits in <paramref name="free"/> rows. (Another lane may take
    /// the head in between: the call taken is then checked again when it joins.)</summary>
    private static bool TryDequeueFitting(ConcurrentQueue<PendingCall> queue, int free, [NotNullWhen(true)] out PendingCall? call)
    {
        call = null;
        return queue.TryPeek(out var head) && head.Fits(free) && queue.TryDequeue(out call);
    }

    private static bool Marked(ChatOptions? options, string key) =>
        options?.AdditionalProperties?.TryGetValue(key, out var flag) == true && flag is true;

    /// <summary>One inference thread: its copy of the policy, its batch and the calls in it. Everything but
    /// <see cref="SchedulePump"/> and the load/offer/dispose jobs runs on its thread.</summary>
    private sealed class Lane(PolicyBatcher owner, InferenceWorker worker, TextPolicy policy)
    {
        // Inference thread only: the policy, its batch, the calls in it, a call taken from a queue that waits for rows,
        // and a loaded replacement that waits for the batch to empty.
        private readonly Dictionary<GenerationRequest, PendingCall> _running = new(ReferenceEqualityComparer.Instance);
        private TextPolicy _policy = policy;
        private ContinuousBatch? _batch;
        private PrefixCache? _prefixes;
        private (PendingCall Call, GenerationRequest Request)? _held;
        private (Replacement Replacement, TextPolicy Policy)? _replacement;
        private bool _paused; // a replacement has loaded here and waits for the other lanes: no call joins meanwhile
        private bool _disposed;
        private int _pumpScheduled;
        private long _reusedCounted;

        /// <summary>Loads a policy on this lane's thread (it does not serve yet); from then on no call joins this lane
        /// until the policy is offered (<see cref="Offer"/>) or discarded (<see cref="DiscardAsync"/>).</summary>
        public Task<(Lane Lane, TextPolicy Policy, PolicyInfo Info)> LoadAsync(Func<(TextPolicy Policy, PolicyInfo Info)> load, CancellationToken cancellationToken) =>
            worker.RunAsync(_ =>
            {
                var (loaded, info) = load();
                _paused = true;
                return (this, loaded, info);
            }, cancellationToken);

        /// <summary>Disposes a loaded policy that will not serve, on its thread; calls join again.</summary>
        public Task<bool> DiscardAsync(TextPolicy loaded) => worker.RunAsync(_ =>
        {
            loaded.Dispose();
            _paused = false;
            SchedulePump();
            return true;
        }, CancellationToken.None);

        /// <summary>Makes <paramref name="loaded"/> this lane's next policy: it serves once the running calls have left
        /// (no call joins this lane meanwhile). A replacement still waiting here is superseded.</summary>
        public void Offer(Replacement replacement, TextPolicy loaded) => _ = worker.RunAsync(_ =>
        {
            _paused = false;
            if (_replacement is { } superseded)
            {
                superseded.Replacement.Done.TrySetException(new InvalidOperationException($"replaced by {replacement.Info.Version} before it served."));
                DisposeQuietly(superseded.Policy);
            }

            _replacement = (replacement, loaded);
            if (_batch is null || _batch.Rows == 0)
            {
                Swap();
            }

            SchedulePump();
            return true;
        }, CancellationToken.None);

        public Task<bool> DisposeAsync() => worker.RunAsync(_ =>
        {
            _disposed = true;
            var stopped = new ObjectDisposedException(nameof(PolicyBatcher));
            FailRunning(stopped);
            _held?.Call.Completion.TrySetException(stopped);
            _held = null;
            _batch?.Dispose();
            _batch = null;
            _prefixes?.Dispose();
            _prefixes = null;
            _policy.Dispose();
            if (_replacement is { } waiting)
            {
                waiting.Replacement.Done.TrySetException(stopped);
                waiting.Policy.Dispose();
                _replacement = null;
            }

            return true;
        }, CancellationToken.None);

        public void SchedulePump()
        {
            if (Interlocked.CompareExchange(ref _pumpScheduled, 1, 0) == 0)
            {
                _ = worker.RunAsync(_ => Pump(), CancellationToken.None);
            }
        }

        /// <summary>One round on the inference thread: waiting calls join, the batch takes one step, finished calls are
        /// answered. While anything is running or waiting the next round is queued behind any other job, so a
        /// replacement's load or another job runs between two steps.</summary>
        private bool Pump()
        {
            // Once the batcher is being disposed no step runs: calls still waiting or running fail, none is answered.
            if (_disposed || owner._disposed)
            {
                return false;
            }

            try
            {
                _prefixes ??= new PrefixCache(PrefixesKept);
                _batch ??= new ContinuousBatch(_policy.Model, CompactTokenizer.EosId, CompactTokenizer.PadId, MaxRowsPerBatch, _prefixes);
                LeaveCancelled();
                if (_replacement is null && !_paused)
                {
                    Admit();
                }

                if (_batch?.Rows > 0)
                {
                    Step();
                }

                if (_replacement is not null && _batch?.Rows is null or 0)
                {
                    Swap();
                }
            }
            finally
            {
                // Whatever happened, the lane goes on pumping while there is work.
                Volatile.Write(ref _pumpScheduled, 0);
                if (_batch?.Rows > 0 || (_replacement is null && !_paused && (_held is not null || owner.AnyWaiting)))
                {
                    SchedulePump();
                }
            }

            return true;
        }

        /// <summary>Waiting calls join the batch while rows are free: first decisions, then follow-ups (a follow-up out of
        /// patience first), or when no agent call is waiting, background calls (into the first half of the rows only).</summary>
        private void Admit()
        {
            var batch = _batch!;
            var joining = new List<(PendingCall Call, GenerationRequest Request)>();
            var rows = batch.Rows;
            // Agent calls join first; background calls only in a round no agent call is waiting.
            var background = !owner.AgentCallsWaiting;
            while (true)
            {
                if (_held is null)
                {
                    if (background && rows >= batch.MaxRows / 2)
                    {
                        break;
                    }

                    var free = batch.MaxRows - rows;
                    if (!(background ? TryDequeueFitting(owner._background, free, out var call) : owner.TryDequeueAgentCall(free, out call)))
                    {
                        break;
                    }

                    if (call.Completion.Task.IsCompleted)
                    {
                        continue; // cancelled while waiting
                    }

                    try
                    {
                        _held = (call, ToRequest(call, batch));
                    }
#pragma warning disable CA1031 // a call that cannot be translated fails alone, whatever the reason
                    catch (Exception e)
#pragma warning restore CA1031
                    {
                        call.Completion.TrySetException(e);
                        continue;
                    }
                }

                var held = _held.Value;
                if (rows + held.Request.Samples > batch.MaxRows)
                {
                    break; // joins when enough rows have freed up
                }

                joining.Add(held);
                rows += held.Request.Samples;
                _held = null;
            }

            if (joining.Count == 0)
            {
                return;
            }

            var joinedBefore = batch.PromptTokensJoined;
            try
            {
                batch.Admit(joining.Select(j => j.Request).ToList());
            }
#pragma warning disable CA1031 // a failed prefill fails the calls that were joining and, since the batch may have taken part of them, the batch; the worker thread carries on
            catch (Exception e)
#pragma warning restore CA1031
            {
                foreach (var (call, _) in joining)
                {
                    call.Completion.TrySetException(e);
                }

                FailRunning(e);
                batch.Dispose();
                _batch = null;
                return;
            }

            foreach (var (call, request) in joining)
            {
                _running[request] = call;
            }

            Interlocked.Add(ref owner._promptTokens, joining.Select(j => j.Request.Prompt).Distinct(PromptComparer.Instance).Sum(p => (long)p.Length));
            // Reused: prompt tokens prefilled from a kept prompt, and those read from a beginning the slots hold.
            Interlocked.Add(ref owner._promptTokensReused, _prefixes!.Statistics.TokensReused - _reusedCounted + batch.PromptTokensJoined - joinedBefore);
            _reusedCounted = _prefixes.Statistics.TokensReused;
            Interlocked.Increment(ref owner._admissions);
            Interlocked.Add(ref owner._calls, joining.Count);
            owner._logger?.LogDebug("{Calls} policy calls joined a batch ({Rows} rows running)", joining.Count, batch.Rows);
        }

        /// <summary>One decoding step; calls whose samples have all ended are answered.</summary>
        private void Step()
        {
            var batch = _batch!;
            var rows = batch.Rows;
            IReadOnlyList<FinishedGeneration> finished;
            var forcedBefore = batch.ForcedTokens;
            try
            {
                finished = batch.Step();
            }
#pragma warning disable CA1031 // a failed step fails the calls in the batch (each turn reports it); the worker thread carries on
            catch (Exception e)
#pragma warning restore CA1031
            {
                FailRunning(e);
                batch.Dispose();
                _batch = null;
                return;
            }

            Interlocked.Increment(ref owner._steps);
            Interlocked.Add(ref owner._rowSteps, rows);
            Interlocked.Add(ref owner._decodedRowSteps, batch.DecodedRows);
            Interlocked.Add(ref owner._forcedTokens, batch.ForcedTokens - forcedBefore);
            var served = _policy;
            foreach (var done in finished)
            {
                if (_running.Remove(done.Request, out var call))
                {
                    var replies = done.Samples.Select(s => new ChatMessage(Microsoft.Extensions.AI.ChatRole.Assistant, served.Tokenizer.Decode(s.Tokens, skipSpecialTokens: true))).ToList();
                    call.Completion.TrySetResult(new ChatResponse(replies) { ModelId = served.Version, FinishReason = ChatFinishReason.Stop });
                }
            }
        }

        /// <summary>Calls cancelled while being sampled leave the batch.</summary>
        private void LeaveCancelled()
        {
            foreach (var (request, call) in _running.Where(r => r.Value.Completion.Task.IsCompleted).ToList())
            {
                _batch!.Cancel(request);
                _running.Remove(request);
            }
        }

        private void FailRunning(Exception e)
        {
            foreach (var call in _running.Values)
            {
                call.Completion.TrySetException(e);
            }

            _running.Clear();
        }

        /// <summary>The loaded replacement serves on this lane from now on (the batch is empty); the old policy is disposed.</summary>
        private void Swap()
        {
            var (replacement, next) = _replacement!.Value;
            var old = _policy;
            _policy = next;
            _replacement = null;
            try
            {
                _batch?.Dispose();
                _batch = null;
                _prefixes?.Dispose(); // keys and values of the old policy
                _prefixes = null;
                _reusedCounted = 0;
                DisposeQuietly(old);
                owner._served = new ServedPolicy(replacement.Info, next.Tokenizer);
            }
            finally
            {
                replacement.LaneSwapped();
            }
        }

        /// <summary>Disposes a policy that no longer serves; a failure is logged, never thrown into the lane.</summary>
        private void DisposeQuietly(TextPolicy policy)
        {
            try
            {
                policy.Dispose();
            }
#pragma warning disable CA1031 // a policy that fails to dispose must not stop the lane
            catch (Exception e)
#pragma warning restore CA1031
            {
                owner._logger?.LogWarning(e, "Disposing policy {Version} failed", policy.Version);
            }
        }

        /// <summary>A call in the policy's terms (<see cref="PolicyChatClient.Translate"/>), checked against the batch.</summary>
        private GenerationRequest ToRequest(PendingCall call, ContinuousBatch batch)
        {
            var translated = PolicyChatClient.Translate(_policy, call.Messages, call.Options);
            var request = new GenerationRequest(translated.Prompt, translated.Samples, translated.Sampling, translated.Seed, translated.Constraint);
            batch.Validate(request);
            return request;
        }
    }

    private sealed record ServedPolicy(PolicyInfo Info, CompactTokenizer Tokenizer);

    /// <summary>A policy replacing the serving one, lane by lane: done when every lane serves it.</summary>
    private sealed class Replacement(PolicyInfo info, int lanes)
    {
        private int _waiting = lanes;

        public PolicyInfo Info { get; } = info;

        public TaskCompletionSource<PolicyInfo> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void LaneSwapped()
        {
            if (Interlocked.Decrement(ref _waiting) == 0)
            {
                Done.TrySetResult(Info);
            }
        }
    }

    private sealed class PendingCall(List<ChatMessage> messages, ChatOptions? options)
    {
        public List<ChatMessage> Messages { get; } = messages;

        public ChatOptions? Options { get; } = options;

        public TaskCompletionSource<ChatResponse> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>When the call was queued (<see cref="Stopwatch.GetTimestamp"/>).</summary>
        public long Queued { get; } = Stopwatch.GetTimestamp();

        /// <summary>Whether its samples fit in <paramref name="free"/> rows; a call that can never fit anywhere (or asks for
        /// samples unreadably) is taken, to fail when it is translated.</summary>
        public bool Fits(int free)
        {
            try
            {
                var samples = PolicyChatClient.Samples(Options);
                return samples <= free || samples > MaxRowsPerBatch;
            }
#pragma warning disable CA1031 // an unreadable sample count is the caller's error, reported when the call is translated
            catch (Exception)
#pragma warning restore CA1031
            {
                return true;
            }
        }
    }
}

/// <summary>Calls waiting for their first reply, the one whose message arrived first at the head (calls of the same
/// message in the order they came). Thread-safe.</summary>
internal sealed class OldestTurnFirst<T>
{
    private readonly PriorityQueue<T, (long Started, long Order)> _queue = new();
    private readonly Lock _lock = new();
    private long _order;

    public bool IsEmpty
    {
        get
        {
            lock (_lock)
            {
                return _queue.Count == 0;
            }
        }
    }

    /// <param name="item">The call.</param>
    /// <param name="started">When its message arrived (<see cref="Stopwatch.GetTimestamp"/>).</param>
    public void Enqueue(T item, long started)
    {
        lock (_lock)
        {
            _queue.Enqueue(item, (started, _order++));
        }
    }

    public bool TryDequeue([MaybeNullWhen(false)] out T item)
    {
        lock (_lock)
        {
            return _queue.TryDequeue(out item, out _);
        }
    }

    /// <summary>Takes the head only when <paramref name="take"/> says so; otherwise it stays at the head.</summary>
    public bool TryDequeueIf(Func<T, bool> take, [MaybeNullWhen(false)] out T item)
    {
        ArgumentNullException.ThrowIfNull(take);
        lock (_lock)
        {
            if (_queue.TryPeek(out item, out _) && take(item))
            {
                return _queue.TryDequeue(out item, out _);
            }

            item = default;
            return false;
        }
    }
}

/// <summary>What a <see cref="PolicyBatcher"/> has done: times calls joined the batch, calls answered or joining,
/// decoding steps, samples drawn summed over the steps (samples per step = <see cref="RowSteps"/> / <see cref="Steps"/>),
/// tokens of the distinct prompts that joined, how many of those were not prefilled (taken from a shared prefix), and
/// rows fed through the model summed over the steps (samples of a call that have drawn the same tokens so far are one
/// row), and tokens fed without a draw because a call's constraint dictated them (<see cref="ContinuousBatch.ForcedTokens"/>,
/// counted once per row). Summed over the lanes.</summary>
public readonly record struct BatcherCounts(
    long Admissions, long Calls, long Steps, long RowSteps, long PromptTokens = 0, long PromptTokensReused = 0, long DecodedRowSteps = 0, long ForcedTokens = 0);

/// <summary>Prompts compared by their tokens.</summary>
internal sealed class PromptComparer : IEqualityComparer<int[]>
{
    public static readonly PromptComparer Instance = new();

    public bool Equals(int[]? x, int[]? y) => x is not null && y is not null && x.AsSpan().SequenceEqual(y);

    public int GetHashCode(int[] obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        var hash = new HashCode();
        hash.AddBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(obj.AsSpan()));
        return hash.ToHashCode();
    }
}
