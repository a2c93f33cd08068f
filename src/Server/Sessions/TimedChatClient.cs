using System.Diagnostics;
using Microsoft.Extensions.AI;

namespace CoopAgent.Server.Sessions;

/// <summary>One conversation's view of the shared policy: adds up the time its agent waits on the policy, so the
/// log can split a slow turn into policy time and the agent's own planning; remembers which policy version
/// answered last (the version a turn is recorded with, also across a hot swap); and marks the turn's calls made
/// after the person has already seen part of the reply as follow-ups (<see cref="PolicyBatcher.FollowUpKey"/>), so
/// other people's first decisions go ahead of them.</summary>
internal sealed class TimedChatClient(IChatClient inner) : DelegatingChatClient(inner)
{
    private long _ticks;
    private volatile string? _lastModelId;
    private volatile bool _followUp;
    private long _turnStarted = Stopwatch.GetTimestamp();

    /// <summary>Total time spent in <see cref="GetResponseAsync"/> so far.</summary>
    public TimeSpan Elapsed => TimeSpan.FromTicks(Interlocked.Read(ref _ticks));

    /// <summary>The policy version of the latest response; null before the first.</summary>
    public string? LastModelId => _lastModelId;

    /// <summary>True once the running turn has streamed something the person sees (an action, a line): its further
    /// calls are follow-ups. The conversation clears it when a message arrives.</summary>
    public bool FollowUp
    {
        get => _followUp;
        set => _followUp = value;
    }

    /// <summary>When the person's message of the running turn arrived (<see cref="Stopwatch.GetTimestamp"/>): the turn's
    /// calls before it has shown anything carry it (<see cref="PolicyBatcher.TurnStartedKey"/>), so they join in the
    /// order the messages came. The conversation sets it when a message arrives.</summary>
    public long TurnStarted
    {
        get => Interlocked.Read(ref _turnStarted);
        set => Interlocked.Exchange(ref _turnStarted, value);
    }

    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var start = Stopwatch.GetTimestamp();
        try
        {
            var response = await base.GetResponseAsync(messages, Marked(options, _followUp ? PolicyBatcher.FollowUpKey : PolicyBatcher.TurnStartedKey), cancellationToken);
            _lastModelId = response.ModelId ?? _lastModelId;
            return response;
        }
        finally
        {
            Interlocked.Add(ref _ticks, Stopwatch.GetElapsedTime(start).Ticks);
        }
    }

    /// <summary>The options with the follow-up mark, or with the turn's start.</summary>
    private ChatOptions Marked(ChatOptions? options, string key)
    {
        var marked = options?.Clone() ?? new ChatOptions();
        marked.AdditionalProperties = new AdditionalPropertiesDictionary(options?.AdditionalProperties ?? [])
        {
            [key] = key == PolicyBatcher.FollowUpKey ? true : TurnStarted,
        };
        return marked;
    }
}
