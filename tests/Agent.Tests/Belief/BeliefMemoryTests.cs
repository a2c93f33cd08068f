using CoopAgent.Agent.Belief;

namespace CoopAgent.Agent.Tests.Belief;

public class BeliefMemoryTests
{
    [Fact]
    public void A_saved_posterior_survives_export_and_import()
    {
        var memory = new InMemoryBeliefMemory();
        var belief = new RewardBelief(["coffee", "tea", "other"], [0.1, 0.8, 0.1]);
        memory.Save("alice", new BeliefSnapshot(belief.ToDictionary(), 3, DateTimeOffset.UnixEpoch));

        var restarted = InMemoryBeliefMemory.Import(memory.Export());
        var snapshot = restarted.Load("alice");

        Assert.NotNull(snapshot);
        Assert.Equal(3, snapshot.Observations);
        var next = RewardBelief.Uniform(["coffee", "tea", "other"]);
        next.RestoreFrom(snapshot.Probabilities);
        Assert.Equal(0.8, next.Probability("tea"), 12);
        Assert.Null(restarted.Load("bob"));
    }

    [Fact]
    public void A_snapshot_round_trips_through_json()
    {
        var snapshot = new BeliefSnapshot(new Dictionary<string, double> { ["a"] = 0.25, ["b"] = 0.75 }, 1, DateTimeOffset.UnixEpoch);
        var back = BeliefSnapshot.FromJson(snapshot.ToJson());
        Assert.Equal(0.75, back.Probabilities["b"]);
        Assert.Equal(DateTimeOffset.UnixEpoch, back.UpdatedUtc);
    }

    [Fact]
    public void Blank_user_ids_and_broken_json_are_refused()
    {
        var memory = new InMemoryBeliefMemory();
        Assert.Throws<ArgumentException>(() => memory.Load(" "));
        Assert.ThrowsAny<System.Text.Json.JsonException>(() => InMemoryBeliefMemory.Import("{not json"));
        Assert.ThrowsAny<System.Text.Json.JsonException>(() => BeliefSnapshot.FromJson("null"));
    }
}
