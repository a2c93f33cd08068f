using System.Collections.Concurrent;
using CoopAgent.Server.Feedback;

namespace CoopAgent.Server.Sessions;

/// <summary>The open session of each person (one at a time), kept across reconnects of their browser.</summary>
public sealed class SessionRegistry : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, ActiveSession> _sessions = new(StringComparer.Ordinal);

    /// <summary>The person's open session, or null.</summary>
    public ActiveSession? Find(string userId) => _sessions.GetValueOrDefault(userId);

    /// <summary>Makes <paramref name="session"/> the person's open session and closes the one it replaces.</summary>
    public async Task OpenAsync(string userId, ActiveSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        ActiveSession? previous = null;
        _sessions.AddOrUpdate(userId, session, (_, old) =>
        {
            previous = old;
            return session;
        });
        if (previous is not null)
        {
            await previous.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var session in _sessions.Values)
        {
            await session.DisposeAsync();
        }

        _sessions.Clear();
    }
}

/// <summary>One open session: its record, the conversation with the agent, and a gate that lets one
/// message be handled at a time.</summary>
public sealed class ActiveSession(SessionRecord record, IConversation conversation) : IAsyncDisposable
{
    private int _turns;

    public SessionRecord Record { get; } = record;

    public IConversation Conversation { get; } = conversation;

    /// <summary>Held while a message is being answered.</summary>
    public SemaphoreSlim Gate { get; } = new(1, 1);

    public int Turns => Volatile.Read(ref _turns);

    /// <summary>The id of the latest recorded turn (the one the agent can still learn from directly).</summary>
    public string? LastTurnId { get; set; }

    public int CountTurn() => Interlocked.Increment(ref _turns);

    // The gate is not disposed: a turn still streaming from a replaced session releases it afterwards, and a
    // SemaphoreSlim whose wait handle was never asked for holds nothing to free.
    public ValueTask DisposeAsync() => Conversation.DisposeAsync();
}
