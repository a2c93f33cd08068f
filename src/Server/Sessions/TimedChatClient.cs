using System.Diagnostics;
using Microsoft.Extensions.AI;

namespace CoopAgent.Server.Sessions;

/// <summary>Adds up the time the agent spends waiting on the policy, so the log can split a slow turn into
/// policy time and the agent's own planning.</summary>
internal sealed class TimedChatClient(IChatClient inner) : DelegatingChatClient(inner)
{
    private long _ticks;

    /// <summary>Total time spent in <see cref="GetResponseAsync"/> so far.</summary>
    public TimeSpan Elapsed => TimeSpan.FromTicks(Interlocked.Read(ref _ticks));

    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var start = Stopwatch.GetTimestamp();
        try
        {
            return await base.GetResponseAsync(messages, options, cancellationToken);
        }
        finally
        {
            Interlocked.Add(ref _ticks, Stopwatch.GetElapsedTime(start).Ticks);
        }
    }
}
