using CoopAgent.Agent.Belief;

namespace CoopAgent.Server.Feedback;

/// <summary>The agent's per-user belief memory kept in the feedback store, so a person's posterior outlives
/// the session and the server process.</summary>
public sealed class LiteDbBeliefMemory(FeedbackStore store) : IBeliefMemory
{
    public BeliefSnapshot? Load(string userId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(userId);
        var json = store.LoadBelief(userId);
        return json is null ? null : BeliefSnapshot.FromJson(json);
    }

    public void Save(string userId, BeliefSnapshot snapshot)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(userId);
        ArgumentNullException.ThrowIfNull(snapshot);
        store.SaveBelief(userId, snapshot.ToJson());
    }
}
