using System.Collections.Concurrent;
using System.Text.Json;

namespace CoopAgent.Agent.Belief;

/// <summary>
/// A user's stored posterior: probabilities by hypothesis name (names are stable across runs) and how many
/// observations shaped it. A plain record so that System.Text.Json and LiteDB round-trip it.
/// </summary>
public sealed record BeliefSnapshot(IReadOnlyDictionary<string, double> Probabilities, int Observations, DateTimeOffset UpdatedUtc)
{
    public string ToJson() => JsonSerializer.Serialize(this);

    public static BeliefSnapshot FromJson(string json) =>
        JsonSerializer.Deserialize<BeliefSnapshot>(json) ?? throw new JsonException("empty belief snapshot");
}

/// <summary>
/// Per-user belief memory: the posterior a conversation ends with becomes the prior of the user's next one,
/// so a person asked once "coffee or tea?" is not asked again unless new evidence contradicts. The server
/// implements it on LiteDB; <see cref="InMemoryBeliefMemory"/> serves tests and the evaluation.
/// </summary>
public interface IBeliefMemory
{
    /// <summary>The user's stored posterior, or null for someone new.</summary>
    BeliefSnapshot? Load(string userId);

    void Save(string userId, BeliefSnapshot snapshot);
}

/// <summary>A thread-safe in-process <see cref="IBeliefMemory"/>; <see cref="Export"/>/<see cref="Import"/>
/// move its contents through JSON (a restart in tests).</summary>
public sealed class InMemoryBeliefMemory : IBeliefMemory
{
    private readonly ConcurrentDictionary<string, BeliefSnapshot> _store = new(StringComparer.Ordinal);

    public BeliefSnapshot? Load(string userId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(userId);
        return _store.TryGetValue(userId, out var snapshot) ? snapshot : null;
    }

    public void Save(string userId, BeliefSnapshot snapshot)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(userId);
        ArgumentNullException.ThrowIfNull(snapshot);
        _store[userId] = snapshot;
    }

    /// <summary>All users' snapshots as one JSON object.</summary>
    public string Export() => JsonSerializer.Serialize(_store.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal));

    public static InMemoryBeliefMemory Import(string json)
    {
        var memory = new InMemoryBeliefMemory();
        var users = JsonSerializer.Deserialize<Dictionary<string, BeliefSnapshot>>(json) ?? throw new JsonException("empty belief memory");
        foreach (var (user, snapshot) in users)
        {
            memory.Save(user, snapshot);
        }

        return memory;
    }
}
