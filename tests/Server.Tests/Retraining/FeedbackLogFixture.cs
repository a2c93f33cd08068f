using CoopAgent.Server.Feedback;

namespace CoopAgent.Server.Tests.Retraining;

/// <summary>
/// A feedback database in a temp folder, written through <see cref="FeedbackStore"/>: three people give every
/// kind of feedback, including duplicates (the same pair from a ranking and an A/B choice, one tie twice in
/// either order), contradictions (A ≻ B and B ≻ A; one reply rated up and down), a "both bad" choice and a
/// thumb with nothing opposite. The last two comparisons come after <see cref="Cut"/>, for the since filter.
/// </summary>
public sealed class FeedbackLogFixture : IDisposable
{
    public const string P1 = "<obs>kitchen<user>I'm thirsty";
    public const string P2 = "<obs>hall<user>tidy up";
    public const string P3 = "<obs>garden<user>water the plants";
    public const string P4 = "<obs>kitchen<user>feed the cat";
    public const string A = "ask \"Water or juice?\"";
    public const string B = "goto kitchen; take water";
    public const string C = "say \"I don't know.\"";
    public const string D = "ask \"Still or sparkling water?\"";
    public const string E = "goto kitchen; take juice";

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "coop-retrain-" + Guid.NewGuid().ToString("N"));

    public FeedbackLogFixture()
    {
        using var store = new FeedbackStore(_folder);
        DatabaseFile = store.Path;
        var (u1, u2, u3) = (store.CreateUser().User.Id, store.CreateUser().User.Id, store.CreateUser().User.Id);
        Users = [u1, u2, u3];
        var t1 = AddTurn(store, u1, P1, [A, B, C], 0, [0, 1]);
        Save(store, u1, t1, FeedbackKind.Ranking, f => f.Ranks = [2, 1, 2]);
        Save(store, u1, t1, FeedbackKind.Comparison, f => f.Choice = "b");
        Save(store, u1, t1, FeedbackKind.Thumbs, f => f.Rating = -1);
        Save(store, u1, t1, FeedbackKind.Correction, f => f.Correction = D);
        var t2 = AddTurn(store, u2, P1, [E, A], 0, null);
        Save(store, u2, t2, FeedbackKind.Thumbs, f => f.Rating = 1);
        var t3 = AddTurn(store, u3, P1, [A], 0, null);
        Save(store, u3, t3, FeedbackKind.Thumbs, f => f.Rating = 1);
        var t4 = AddTurn(store, u2, P2, ["put away toys", "vacuum"], 0, [0, 1]);
        Save(store, u2, t4, FeedbackKind.Comparison, f => f.Choice = "tie");
        var t5 = AddTurn(store, u3, P2, ["vacuum", "put away toys"], 0, [0, 1]);
        Save(store, u3, t5, FeedbackKind.Comparison, f => f.Choice = "tie");
        var t6 = AddTurn(store, u3, P3, ["water the cat", "water the plants"], 0, [0, 1]);
        Save(store, u3, t6, FeedbackKind.Comparison, f => f.Choice = "both_bad");

        // LiteDB keeps milliseconds; the pauses put the cut strictly between the two batches.
        Thread.Sleep(30);
        Cut = DateTime.UtcNow;
        Thread.Sleep(30);
        var t7 = AddTurn(store, u1, P4, ["give cat food", "cook the cat"], 0, [0, 1]);
        Save(store, u1, t7, FeedbackKind.Comparison, f => f.Choice = "a");
        var t8 = AddTurn(store, u2, P4, ["give cat food", "cook the cat"], 0, [0, 1]);
        Save(store, u2, t8, FeedbackKind.Comparison, f => f.Choice = "b");
    }

    public string DatabaseFile { get; }

    public IReadOnlyList<string> Users { get; }

    /// <summary>A time after the first batch of feedback and before the two comparisons on <see cref="P4"/>.</summary>
    public DateTime Cut { get; }

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    /// <summary>Saves feedback, then waits past LiteDB's millisecond so every event has its own time and the
    /// "oldest first" order (which pair of a duplicate is kept) does not depend on random ids.</summary>
    private static void Save(FeedbackStore store, string user, string turn, FeedbackKind kind, Action<FeedbackRecord> fill)
    {
        store.SaveFeedback(user, turn, kind, fill);
        Thread.Sleep(3);
    }

    private static string AddTurn(FeedbackStore store, string user, string prompt, List<string> candidates, int chosen, int[]? comparePair)
    {
        var session = new SessionRecord { Id = Guid.NewGuid().ToString("N"), UserId = user, Source = "test", Title = "t", StartedUtc = DateTime.UtcNow };
        store.AddSession(session);
        var turn = new TurnRecord
        {
            Id = Guid.NewGuid().ToString("N"),
            SessionId = session.Id,
            UserId = user,
            Prompt = prompt,
            Candidates = candidates,
            ChosenIndex = chosen,
            Reply = candidates[chosen],
            Kind = "plan",
            ComparePair = comparePair,
            PolicyVersion = "default-v1",
            CreatedUtc = DateTime.UtcNow,
        };
        store.AddTurn(turn);
        return turn.Id;
    }
}
