using CoopAgent.Server.Feedback;

namespace CoopAgent.Server.Tests.Feedback;

public sealed class PreferenceExportTests
{
    private static readonly TurnRecord Turn = new()
    {
        Id = "t1",
        UserId = "u-1",
        Prompt = "<obs>kitchen<user>I'm thirsty",
        Candidates = ["ask \"Water or juice?\"", "goto kitchen; take water", "say \"I don't know.\""],
        ChosenIndex = 0,
        Reply = "ask \"Water or juice?\"",
        Kind = "question",
        ComparePair = [0, 1],
        PolicyVersion = "v7",
    };

    private static FeedbackRecord Feedback(FeedbackKind kind, Action<FeedbackRecord> fill)
    {
        var record = new FeedbackRecord { Id = "f", UserId = "u-1", TurnId = "t1", Kind = kind, UpdatedUtc = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc) };
        fill(record);
        return record;
    }

    [Fact]
    public void A_ranking_with_ties_exports_best_as_chosen_and_worst_as_rejected()
    {
        var line = PreferenceExport.ToLine(Feedback(FeedbackKind.Ranking, f => f.Ranks = [2, 1, 2]), Turn);
        Assert.Equal("goto kitchen; take water", line.Chosen);
        Assert.Equal("ask \"Water or juice?\"", line.Rejected);
        Assert.Equal([1, 2, 2], line.Ranking!.Select(r => r.Rank));
        Assert.Equal("v7", line.PolicyVersion);
        Assert.Equal("u-1", line.User);
    }

    [Fact]
    public void An_all_tied_ranking_has_no_chosen_or_rejected()
    {
        var line = PreferenceExport.ToLine(Feedback(FeedbackKind.Ranking, f => f.Ranks = [1, 1, 1]), Turn);
        Assert.Null(line.Chosen);
        Assert.Null(line.Rejected);
        Assert.Equal(3, line.Ranking!.Count);
    }

    [Theory]
    [InlineData("a", "ask \"Water or juice?\"", "goto kitchen; take water")]
    [InlineData("b", "goto kitchen; take water", "ask \"Water or juice?\"")]
    [InlineData("tie", null, null)]
    [InlineData("both_bad", null, null)]
    public void A_comparison_maps_its_choice_onto_the_pair(string choice, string? chosen, string? rejected)
    {
        var line = PreferenceExport.ToLine(Feedback(FeedbackKind.Comparison, f => f.Choice = choice), Turn);
        Assert.Equal(chosen, line.Chosen);
        Assert.Equal(rejected, line.Rejected);
        Assert.Equal(choice, line.Choice);
        Assert.Equal(2, line.Ranking!.Count);
    }

    [Fact]
    public void Thumbs_and_corrections_use_the_reply_given()
    {
        var up = PreferenceExport.ToLine(Feedback(FeedbackKind.Thumbs, f => { f.Rating = 1; f.Reason = "polite"; }), Turn);
        Assert.Equal(Turn.Reply, up.Chosen);
        Assert.Null(up.Rejected);
        Assert.Equal("polite", up.Reason);
        var down = PreferenceExport.ToLine(Feedback(FeedbackKind.Thumbs, f => f.Rating = -1), Turn);
        Assert.Equal(Turn.Reply, down.Rejected);
        Assert.Null(down.Chosen);
        var fix = PreferenceExport.ToLine(Feedback(FeedbackKind.Correction, f => f.Correction = "goto kitchen; take juice"), Turn);
        Assert.Equal("goto kitchen; take juice", fix.Chosen);
        Assert.Equal(Turn.Reply, fix.Rejected);
    }

    [Fact]
    public async Task Lines_are_written_as_json_separated_by_newlines()
    {
        var lines = new[]
        {
            PreferenceExport.ToLine(Feedback(FeedbackKind.Thumbs, f => f.Rating = 1), Turn),
            PreferenceExport.ToLine(Feedback(FeedbackKind.Correction, f => f.Correction = "say \"hi\""), Turn),
        };
        using var output = new MemoryStream();
        await PreferenceExport.WriteJsonLinesAsync(lines, output, CancellationToken.None);
        var text = System.Text.Encoding.UTF8.GetString(output.ToArray());
        var split = text.Split('\n');
        Assert.Equal(3, split.Length);
        Assert.Equal("", split[2]);
        Assert.Contains("\"policy_version\":\"v7\"", split[0]);
        Assert.Contains("\"time\":\"2026-01-02T03:04:05Z\"", split[1]);
    }
}
