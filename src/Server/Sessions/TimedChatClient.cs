using System.Diagnostics;
using Microsoft.Extensions.AI;

namespace CoopAgent.Server.Sessions;

/// <summary>One conversation's view of the shared policy: adds up the time its agent waits on the policy, so the
/// log can split a slow turn into policy time and the agent's own planning, and remembers which policy version
/// answered last (the version a turn is recorded with, also across a hot swap).</summary>
internal sealed class TimedChatClient(IChatClient inner) : DelegatingChatClient(inner)
{
    private long _ticks;
    private volatile string? _lastModelId;

    /// <summary>Total time spent in <see cref="GetResponseAsync"/> so far.</summary>
    public TimeSpan Elapsed => TimeSpan.FromTicks(Interlocked.Read(ref _ticks));

    /// <summary>The policy version of the latest response; null before the first.</summary>
    public string? LastModelId => _lastModelId;

    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var start = Stopwatch.GetTimestamp();
        try
        {
            var response = await base.GetResponseAsync(messages, options, cancellationToken);
            _lastModelId = response.ModelId ?? _lastModelId;
            return response;
        }
        finally
        {
            Interlocked.Add(ref _ticks, Stopwatch.GetElapsedTime(start).Ticks);
        }
    }
}
