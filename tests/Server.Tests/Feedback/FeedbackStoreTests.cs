using CoopAgent.Agent.Belief;
using CoopAgent.Server.Feedback;

namespace CoopAgent.Server.Tests.Feedback;

public sealed class FeedbackStoreTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("coop-store-test-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static TurnRecord Turn(string id, string userId, params string[] candidates) => new()
    {
        Id = id,
        SessionId = "s",
        UserId = userId,
        Prompt = "<obs>kitchen<user>hi",
        Candidates = [.. candidates],
        ChosenIndex = 0,
        Reply = candidates[0],
        Kind = "say",
        ComparePair = candidates.Length > 1 ? [0, 1] : null,
        PolicyVersion = "v1",
        CreatedUtc = DateTime.UtcNow,
    };

    [Fact]
    public void Concurrent_writes_to_every_collection_all_land_and_the_file_reopens_intact()
    {
        string userId;
        using (var store = new FeedbackStore(_directory))
        {
            userId = store.CreateUser().User.Id;
            Parallel.For(0, 200, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
            {
                switch (i % 4)
                {
                    case 0:
                        store.CreateUser();
                        break;
                    case 1:
                        store.AddTurn(Turn("t" + i, userId, "say \"a\"", "say \"b\""));
                        break;
                    case 2:
                        store.SaveBelief("u" + i, "{}");
                        break;
                    default:
                        store.AddSession(new SessionRecord { Id = "s" + i, UserId = userId, StartedUtc = DateTime.UtcNow });
                        break;
                }
            });
        }

        using var reopened = new FeedbackStore(_directory);
        Assert.Equal(50, Enumerable.Range(0, 200).Count(i => i % 4 == 1 && reopened.GetTurn(userId, "t" + i) is not null));
        Assert.Equal(50, Enumerable.Range(0, 200).Count(i => i % 4 == 2 && reopened.LoadBelief("u" + i) == "{}"));
        Assert.Equal(50, Enumerable.Range(0, 200).Count(i => i % 4 == 3 && reopened.GetSession("s" + i) is not null));
    }

    [Fact]
    public void A_token_finds_its_user_and_is_stored_only_as_a_hash()
    {
        using var store = new FeedbackStore(_directory);
        var (user, token) = store.CreateUser();
        Assert.Equal(user.Id, store.FindUserId(token));
        Assert.Null(store.FindUserId(token + "x"));
        Assert.NotEqual(token, user.TokenHash);
        Assert.Equal(64, user.TokenHash.Length);
    }

    [Fact]
    public void Giving_the_same_kind_of_feedback_again_changes_it_and_dates_stay_utc()
    {
        using var store = new FeedbackStore(_directory);
        store.AddTurn(Turn("t1", "alice", "say \"a\""));
        var first = store.SaveFeedback("alice", "t1", FeedbackKind.Thumbs, f => { f.Rating = 1; f.Reason = "nice"; });
        var second = store.SaveFeedback("alice", "t1", FeedbackKind.Thumbs, f => f.Rating = -1);
        var stored = Assert.Single(store.FeedbackOf("alice"));
        Assert.Equal(first.Id, second.Id);
        Assert.Equal(-1, stored.Rating);
        Assert.Null(stored.Reason);
        Assert.Equal(DateTimeKind.Utc, stored.CreatedUtc.Kind);
        Assert.True(Math.Abs((stored.UpdatedUtc - DateTime.UtcNow).TotalMinutes) < 1);
        Assert.False(store.DeleteFeedback("bob", stored.Id));
        Assert.True(store.DeleteFeedback("alice", stored.Id));
        Assert.Empty(store.FeedbackOf("alice"));
    }

    [Fact]
    public void The_belief_memory_round_trips_a_snapshot_per_user()
    {
        using var store = new FeedbackStore(_directory);
        var memory = new LiteDbBeliefMemory(store);
        Assert.Null(memory.Load("alice"));
        var snapshot = new BeliefSnapshot(new Dictionary<string, double> { ["likes tea"] = 0.8, ["likes coffee"] = 0.2 }, 3, DateTimeOffset.UtcNow);
        memory.Save("alice", snapshot);
        var loaded = memory.Load("alice")!;
        Assert.Equal(0.8, loaded.Probabilities["likes tea"], 12);
        Assert.Equal(3, loaded.Observations);
        Assert.Null(memory.Load("bob"));
    }
}
