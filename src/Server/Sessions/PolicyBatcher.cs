using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using CoopAgent.Agent;
using CoopAgent.Alignment.Policy;
using CoopAgent.Alignment.Tokenization;
using Microsoft.Extensions.AI;

namespace CoopAgent.Server.Sessions;

/// <summary>
/// The serving policy behind <see cref="IChatClient"/>, shared by every conversation. Agent turns run on
/// the thread pool and only their policy calls come here: a call is queued, and the
/// <see cref="InferenceWorker"/> thread takes every call waiting (up to <see cref="MaxRowsPerBatch"/> rows)
/// and samples them as one left-padded batch per sampling setting: the per-step cost of a decode step is
/// shared by every row in it, and the k samples of a call share one prefill of its prompt.
/// </summary>
/// <remarks>
/// The policy lives on the inference thread: it is loaded there, sampled there and replaced there, between
/// batches (<see cref="ReplaceAsync"/>), so TorchSharp's thread-bound scopes never cross threads and a swap
/// never cuts into a batch. A batch is seeded with its first call's seed: a call sampled alone gives
/// what <see cref="PolicyChatClient"/> would give; batched with others, what it draws depends on the company.
/// </remarks>
public sealed class PolicyBatcher : IChatClient
{
    /// <summary>Most sample rows in one batch (eight calls of eight samples). Measured with the default policy on one
    /// LibTorch thread: a row cost ~40 % less in batches of 32 than of 8, and no less in batches of 64 to 400, so
    /// larger batches would only make a call that just missed one wait longer for the next.</summary>
    public const int MaxRowsPerBatch = 64;

    /// <summary>A <see cref="ChatOptions.AdditionalProperties"/> key: <c>true</c> marks a call nobody is waiting to read
    /// (the alternatives drawn for the feedback panel after a reply has streamed). Background calls are sampled only in
    /// a batch that no agent call is waiting for, so they never delay a person's next reply.</summary>
    public const string BackgroundKey = "coopagent.background";

    private readonly InferenceWorker _worker;
    private readonly ILogger? _logger;
    private readonly ConcurrentQueue<PendingCall> _pending = new();
    private readonly ConcurrentQueue<PendingCall> _background = new();
    private TextPolicy _policy; // read and replaced on the inference thread only
    private volatile ServedPolicy _served;
    private int _drainScheduled;
    private long _batches;
    private long _calls;

    /// <summary>Starts serving <paramref name="policy"/> (already loaded on <paramref name="worker"/>'s thread).</summary>
    /// <param name="worker">The inference thread.</param>
    /// <param name="policy">The policy to serve first.</param>
    /// <param name="info">Its version and origin.</param>
    /// <param name="logger">Gets one debug line per batch (calls, rows, milliseconds).</param>
    public PolicyBatcher(InferenceWorker worker, TextPolicy policy, PolicyInfo info, ILogger? logger = null)
    {
        _logger = logger;
        _worker = worker ?? throw new ArgumentNullException(nameof(worker));
        _policy = policy ?? throw new ArgumentNullException(nameof(policy));
        _served = new ServedPolicy(info ?? throw new ArgumentNullException(nameof(info)), policy.Tokenizer);
    }

    /// <summary>The policy answering now.</summary>
    public PolicyInfo Info => _served.Info;

    /// <summary>The serving policy's tokenizer (immutable, safe on any thread), for streaming replies in its tokens.</summary>
    public CompactTokenizer Tokenizer => _served.Tokenizer;

    /// <summary>Batches handed to the policy so far, and the calls in them (for the log and tests).</summary>
    public (long Batches, long Calls) Counts => (Interlocked.Read(ref _batches), Interlocked.Read(ref _calls));

    /// <summary>
    /// Loads a policy with <paramref name="load"/> on the inference thread and, when it loads, makes it the serving
    /// one after the batch under way; the old one is disposed. When <paramref name="load"/> throws, the old policy
    /// keeps serving and the task fails with the exception.
    /// </summary>
    public Task<PolicyInfo> ReplaceAsync(Func<(TextPolicy Policy, PolicyInfo Info)> load, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(load);
        return _worker.RunAsync(
            _ =>
            {
                var (policy, info) = load();
                var old = _policy;
                _policy = policy;
                _served = new ServedPolicy(info, policy.Tokenizer);
                old.Dispose();
                return info;
            },
            cancellationToken);
    }

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        cancellationToken.ThrowIfCancellationRequested();
        var call = new PendingCall(messages.ToList(), options);
        await using var registration = cancellationToken.Register(() => call.Completion.TrySetCanceled(cancellationToken));
        var background = options?.AdditionalProperties?.TryGetValue(BackgroundKey, out var flag) == true && flag is true;
        (background ? _background : _pending).Enqueue(call);
        ScheduleDrain();
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

    /// <summary>Disposes the policy on its thread.</summary>
    public void Dispose() => _worker.RunAsync(_ => { _policy.Dispose(); return true; }, CancellationToken.None).Wait(TimeSpan.FromSeconds(10));

    private void ScheduleDrain()
    {
        if (Interlocked.CompareExchange(ref _drainScheduled, 1, 0) == 0)
        {
            _ = _worker.RunAsync(_ => DrainOnce(), CancellationToken.None);
        }
    }

    /// <summary>One batch: every waiting call up to the row limit. Calls arriving meanwhile wait for the next
    /// batch, which is queued behind any other job (a policy swap runs between batches).</summary>
    private bool DrainOnce()
    {
        var policy = _policy;
        var requests = new List<(PendingCall Call, PolicyRequest Request)>();
        var rows = 0;
        // Agent calls first; background calls only when no agent call is waiting.
        var queue = _pending.IsEmpty ? _background : _pending;
        while (rows < MaxRowsPerBatch && queue.TryDequeue(out var call))
        {
            if (call.Completion.Task.IsCompleted)
            {
                continue; // cancelled while waiting
            }

            try
            {
                var request = PolicyChatClient.Translate(policy, call.Messages, call.Options);
                requests.Add((call, request));
                rows += request.Samples;
            }
            catch (ArgumentException e)
            {
                call.Completion.TrySetException(e);
            }
        }

        Volatile.Write(ref _drainScheduled, 0);
        if (!_pending.IsEmpty || !_background.IsEmpty)
        {
            ScheduleDrain();
        }

        if (requests.Count == 0)
        {
            return false;
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();

        foreach (var group in requests.GroupBy(r => r.Request.Sampling))
        {
            var members = group.ToList();
            try
            {
                var texts = policy.Sample(members.Select(m => (m.Request.Prompt, m.Request.Samples)).ToList(), group.Key, members[0].Request.Seed);
                for (var i = 0; i < members.Count; i++)
                {
                    var replies = texts[i].Select(t => new ChatMessage(Microsoft.Extensions.AI.ChatRole.Assistant, t)).ToList();
                    members[i].Call.Completion.TrySetResult(new ChatResponse(replies) { ModelId = policy.Version, FinishReason = ChatFinishReason.Stop });
                }
            }
#pragma warning disable CA1031 // a failed batch fails its calls (each turn reports it); the worker thread carries on
            catch (Exception e)
#pragma warning restore CA1031
            {
                foreach (var member in members)
                {
                    member.Call.Completion.TrySetException(e);
                }
            }
        }

        Interlocked.Increment(ref _batches);
        Interlocked.Add(ref _calls, requests.Count);
        _logger?.LogDebug("Sampled {Calls} policy calls ({Rows} rows) in {Milliseconds} ms", requests.Count, rows, clock.ElapsedMilliseconds);
        return true;
    }

    private sealed record ServedPolicy(PolicyInfo Info, CompactTokenizer Tokenizer);

    private sealed class PendingCall(List<ChatMessage> messages, ChatOptions? options)
    {
        public List<ChatMessage> Messages { get; } = messages;

        public ChatOptions? Options { get; } = options;

        public TaskCompletionSource<ChatResponse> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
