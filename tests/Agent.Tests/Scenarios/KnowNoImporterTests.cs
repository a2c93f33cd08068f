using System.Runtime.CompilerServices;
using CoopAgent.Agent.Household;
using CoopAgent.Agent.Scenarios;

namespace CoopAgent.Agent.Tests.Scenarios;

public class KnowNoImporterTests
{
    // Read from the source folder (found through the compiler), so the test project needs no copy rule.
    private static string SamplePath => Path.Combine(SourceFolder(), "knowno-sample.txt");

    private static string SourceFolder([CallerFilePath] string file = "") => Path.GetDirectoryName(file)!;

    [Fact]
    public void The_sample_file_reads_into_three_records()
    {
        var records = KnowNoImporter.ReadFile(SamplePath);
        Assert.Equal([1, 2, 3], records.Select(r => r.Id));
        var first = records[0];
        Assert.Equal("Put the fruit in the bowl", first.Task);
        Assert.Equal(["lemon", "apple"], first.IntentObjects);
        Assert.Equal(["lemon", "apple", "bottle of water"], first.PossibleObjects);
        Assert.Equal("creative_multilabel", first.TaskCategory);
    }

    [Fact]
    public void Either_intended_object_succeeds_and_the_other_object_does_not()
    {
        var scenario = KnowNoImporter.Import(File.ReadAllText(SamplePath))[0];
        Assert.Equal("knowno-1", scenario.Id);
        Assert.Equal(ScenarioCategories.KnowNo, scenario.Category);
        var truth = scenario.Hypothesis("intent");
        Assert.Same(truth, scenario.DrawHypothesis(7));

        foreach (var (item, expected) in new[] { ("lemon", true), ("apple", true), ("bottle of water", false) })
        {
            var world = scenario.CreateWorld();
            var steps = Simulator.ExecutePlan(world, $"take {item}; put {item} in bowl; done");
            Assert.All(steps, s => Assert.True(s.Ok, s.Message));
            Assert.Equal(expected, scenario.Judge(world, truth).Success);
        }

        // "the fruit" fits two things: the literal reading is ambiguous.
        var ambiguous = Simulator.Execute(scenario.CreateWorld(), "take the fruit");
        Assert.False(ambiguous.Ok);
        Assert.Contains("two things fit", ambiguous.Message);
    }

    [Fact]
    public void Alternatives_share_the_prior_equally_while_the_recorded_intent_stays_the_truth()
    {
        var scenario = KnowNoImporter.Import(File.ReadAllText(SamplePath))[0];
        Assert.Equal("intent", scenario.Truth);
        Assert.Contains(scenario.Hypotheses, h => h.Name == "bottle-of-water@bowl");
        Assert.Equal(1 + 3 * 2 - 2, scenario.Hypotheses.Count);
        Assert.All(scenario.Hypotheses, h => Assert.Equal(1.0 / scenario.Hypotheses.Count, h.Probability, 9));
        Assert.All(Enumerable.Range(0, 50), seed => Assert.Equal("intent", scenario.DrawHypothesis(seed).Name));
    }

    [Fact]
    public void Bringing_to_the_user_means_giving_and_unknown_objects_become_unknown_kinds()
    {
        var scenarios = KnowNoImporter.Import(File.ReadAllText(SamplePath));
        var drink = scenarios[1];
        var world = drink.CreateWorld();
        Assert.All(Simulator.ExecutePlan(world, "take diet cola; give diet cola to user; done"), s => Assert.True(s.Ok, s.Message));
        Assert.True(drink.Judge(world, drink.Hypothesis("intent")).Success);

        var odd = scenarios[2].CreateWorld();
        Assert.True(odd.FindById("frobnicator")!.Kind.IsUnknown);
        Assert.All(Simulator.ExecutePlan(odd, "take frobnicator; put frobnicator in top drawer"), s => Assert.True(s.Ok, s.Message));
    }

    [Theory]
    [InlineData("x1\nScene: a\nTask: b", "record ? (line 11): a record starts with its integer id, not 'x1'")]
    [InlineData("4\nScene: a cup\nUser intent (object): cup\nUser intent (location): sink\nPossible objects: cup\nPossible locations: sink\nScene objects: cup\nTask category: x",
        "record 4 (line 11): missing 'Task:'")]
    [InlineData("5\nScene: a cup\nTask: wash it\nUser intent (object): mug\nUser intent (location): sink\nPossible objects: cup\nPossible locations: sink\nScene objects: cup\nTask category: x",
        "intent object 'mug' is not among the possible objects")]
    [InlineData("6\nScene: a cup\nTask: wash it\nWeather: sunny", "record 6 (line 14): unexpected line 'Weather: sunny'")]
    public void A_malformed_record_names_its_id_line_and_what_is_missing(string text, string expected)
    {
        var error = Assert.Throws<KnowNoFormatException>(() => KnowNoImporter.Parse("1\nScene: s\nTask: t\nUser intent (object): a\nUser intent (location): b\nPossible objects: a\nPossible locations: b\nScene objects: a, b\nTask category: c\n\n" + text));
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Imported_files_written_to_a_folder_load_back()
    {
        var folder = Path.Combine(Path.GetTempPath(), "knowno-" + Guid.NewGuid().ToString("N"));
        try
        {
            var written = KnowNoImporter.ImportFile(SamplePath, folder);
            Assert.Equal(3, written.Count);
            var loaded = ScenarioLoader.LoadDirectory(folder);
            Assert.Equal(["knowno-1", "knowno-2", "knowno-3"], loaded.Select(s => s.Id));
            Assert.Equal("Put the fruit in the bowl", loaded[0].Instruction);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
