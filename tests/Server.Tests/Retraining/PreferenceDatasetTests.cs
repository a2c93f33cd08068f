using CoopAgent.Server.Feedback;
using CoopAgent.Server.Retraining;
using static CoopAgent.Server.Tests.Retraining.FeedbackLogFixture;

namespace CoopAgent.Server.Tests.Retraining;

public sealed class PreferenceDatasetTests : IClassFixture<FeedbackLogFixture>
{
    private readonly FeedbackLogFixture _log;

    public PreferenceDatasetTests(FeedbackLogFixture log) => _log = log;

    private PreferenceDataset Build(DateTime? since = null, double share = 0) =>
        PreferenceDataset.Build(FeedbackStore.ReadFeedbackLog(_log.DatabaseFile), since, share);

    private static bool Has(PreferenceDataset data, string prompt, string chosen, string rejected, string kind, bool tie = false) =>
        data.Pairs.Any(p => p.Prompt == prompt && p.Chosen == chosen && p.Rejected == rejected && p.Kind == kind && p.Tie == tie);

    [Fact]
    public void Every_kind_of_feedback_becomes_the_expected_pairs_with_counts_per_kind()
    {
        var data = Build();
        Assert.Equal(11, data.FeedbackRead);
        Assert.Equal(new Dictionary<string, int> { ["ranking"] = 3, ["comparison"] = 3, ["thumbs"] = 1, ["correction"] = 1 }, data.CountsByKind);
        Assert.Equal(8, data.Pairs.Count);
        Assert.True(Has(data, P1, B, A, "ranking"));
        Assert.True(Has(data, P1, B, C, "ranking"));
        Assert.True(Has(data, P1, A, C, "ranking", tie: true));
        Assert.True(Has(data, P1, E, A, "thumbs"));
        Assert.True(Has(data, P1, D, A, "correction"));
        Assert.Equal("default-v1", data.Pairs[0].PolicyVersion);
        Assert.All(data.Pairs, p => Assert.Contains(p.User, _log.Users));
    }

    [Fact]
    public void Ties_are_kept_as_tie_pairs_and_both_bad_gives_no_pair()
    {
        var data = Build();
        Assert.Equal(2, data.TiedPairs);
        Assert.Single(data.Pairs, p => p.Prompt == P2 && p.Tie && p.Kind == "comparison");
        Assert.DoesNotContain(data.Pairs, p => p.Prompt == P3);

        // Skipped: the "both bad" choice and the thumbs up on a reply that was also rated down (A against A).
        Assert.Equal(2, data.Skipped);
    }

    [Fact]
    public void Duplicate_pairs_are_kept_once_and_contradictory_choices_both_stay()
    {
        var data = Build();

        // The A/B choice B ≻ A repeats the ranking's pair; the second tie on P2 is the first in the other order.
        Assert.Equal(2, data.DuplicatesDropped);
        Assert.Single(data.Pairs, p => p.Prompt == P1 && p.Chosen == B && p.Rejected == A);
        Assert.True(Has(data, P4, "give cat food", "cook the cat", "comparison"));
        Assert.True(Has(data, P4, "cook the cat", "give cat food", "comparison"));
    }

    [Fact]
    public void A_correction_becomes_a_demonstration_and_a_pair_over_the_reply()
    {
        var demonstration = Assert.Single(Build().Demonstrations);
        Assert.Equal(P1, demonstration.Prompt);
        Assert.Equal(D, demonstration.Response);
        Assert.Equal(_log.Users[0], demonstration.User);
    }

    [Fact]
    public void The_since_filter_keeps_only_later_feedback()
    {
        var data = Build(since: _log.Cut);
        Assert.Equal(2, data.FeedbackRead);
        Assert.Equal(2, data.Pairs.Count);
        Assert.All(data.Pairs, p => Assert.Equal(P4, p.Prompt));
        Assert.Empty(data.Demonstrations);
        Assert.Empty(Build(since: DateTime.UtcNow.AddMinutes(1)).Pairs);
    }

    [Fact]
    public void The_held_out_split_is_by_context_and_deterministic()
    {
        Assert.Equal(0, Build(share: 0).HeldOutPairs);
        Assert.Equal(8, Build(share: 1).HeldOutPairs);
        var log = Enumerable.Range(0, 200).Select(i =>
        {
            var turn = new TurnRecord { Id = $"t{i}", Prompt = $"<user>context {i % 100}", Candidates = ["x", "y"], Reply = "x", ComparePair = [0, 1], PolicyVersion = "v1" };
            var feedback = new FeedbackRecord { Id = $"f{i}", UserId = $"u{i % 7}", TurnId = turn.Id, Kind = FeedbackKind.Comparison, Choice = i % 2 == 0 ? "a" : "b", UpdatedUtc = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddMinutes(i) };
            return (feedback, turn);
        }).ToList();
        var data = PreferenceDataset.Build(log, heldOutShare: 0.3);
        var heldContexts = data.Pairs.Where(p => p.HeldOut).Select(p => p.Prompt).ToHashSet();
        var trainContexts = data.Pairs.Where(p => !p.HeldOut).Select(p => p.Prompt).ToHashSet();
        Assert.Empty(heldContexts.Intersect(trainContexts));
        Assert.InRange(heldContexts.Count, 15, 45);
        Assert.Equal(data.Pairs, PreferenceDataset.Build(log.AsEnumerable().Reverse(), heldOutShare: 0.3).Pairs);
    }

    [Fact]
    public void The_export_reads_back_to_the_same_pairs()
    {
        var data = Build(share: 0.5);
        var file = Path.Combine(Path.GetTempPath(), $"coop-pairs-{Guid.NewGuid():N}.jsonl");
        try
        {
            PairExport.Write(data.Pairs, file);
            Assert.Equal(data.Pairs.Count, File.ReadAllLines(file).Length);
            Assert.Equal(data.Pairs, PairExport.Read(file));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Reading_back_a_file_that_is_not_pairs_fails_with_the_line_number()
    {
        var file = Path.Combine(Path.GetTempPath(), $"coop-pairs-{Guid.NewGuid():N}.jsonl");
        try
        {
            File.WriteAllText(file, "{\"prompt\":\"p\",\"chosen\":\"a\",\"rejected\":\"b\",\"tie\":false,\"kind\":\"thumbs\",\"policy_version\":\"v\",\"user\":\"u\",\"time\":\"2026-01-01T00:00:00Z\",\"held_out\":false}\nnot json\n");
            var error = Assert.Throws<InvalidDataException>(() => PairExport.Read(file));
            Assert.Contains(":2:", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
