using System.Text.Json.Nodes;
using CoopAgent.Agent.Data;
using CoopAgent.Alignment.Curriculum;
using CoopAgent.Alignment.Training;

namespace CoopAgent.Agent.Experiments;

/// <summary>
/// The edge-of-ability curriculum at the level of task kinds instead of single prompts. With hundreds of generated
/// homes and a few hundred rollouts, most prompts are drawn once or twice, so a per-prompt success estimate is one or
/// two coin flips (after one outcome every prompt sits inside the 0.2–0.8 band). Prompts of one kind (what is asked,
/// the scenario's category, first turn or after an answer) share how hard they are, so their outcomes are pooled: a
/// <see cref="CurriculumSampler"/> over the kinds picks a kind at the edge of ability, then a prompt of that kind is
/// drawn uniformly.
/// </summary>
public sealed class TaskKindCurriculum : IPromptSource
{
    private readonly IReadOnlyList<int[]> _prompts;
    private readonly int[] _kindOf;
    private readonly int[][] _members;
    private readonly CurriculumSampler _kinds;
    private readonly Random _random;

    /// <param name="prompts">The prompts, as token ids.</param>
    /// <param name="kinds">The kind of each prompt (any strings; equal strings are one kind).</param>
    /// <param name="options">The curriculum over kinds; its seed also seeds the choice within a kind.</param>
    public TaskKindCurriculum(IReadOnlyList<int[]> prompts, IReadOnlyList<string> kinds, CurriculumOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        ArgumentNullException.ThrowIfNull(kinds);
        if (prompts.Count == 0 || prompts.Count != kinds.Count)
        {
            throw new ArgumentException($"need one kind per prompt, at least one prompt (got {prompts.Count} prompts and {kinds.Count} kinds).");
        }

        options ??= new CurriculumOptions();
        var names = kinds.Distinct(StringComparer.Ordinal).ToList();
        _prompts = prompts;
        _kindOf = [.. kinds.Select(k => names.IndexOf(k))];
        _members = [.. names.Select((_, k) => Enumerable.Range(0, prompts.Count).Where(i => _kindOf[i] == k).ToArray())];
        _kinds = new CurriculumSampler([.. names.Select((_, k) => new[] { k })], options);
        _random = new Random(options.Seed + 1);
        Kinds = names;
    }

    /// <summary>The distinct kinds, in order of first appearance.</summary>
    public IReadOnlyList<string> Kinds { get; }

    /// <summary>Estimated success rate of kind <paramref name="kind"/> (index into <see cref="Kinds"/>).</summary>
    public double EstimatedSuccess(int kind) => _kinds.EstimatedSuccess(kind);

    public IReadOnlyList<PromptDraw> Draw(int count) => [.. _kinds.Draw(count).Select(kind =>
    {
        var members = _members[kind.Id];
        var id = members[_random.Next(members.Length)];
        return new PromptDraw(id, _prompts[id]);
    })];

    public void Observe(int id, double score)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(id);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(id, _prompts.Count);
        _kinds.Observe(_kindOf[id], score);
    }

    /// <summary>
    /// The kind of a generated household prompt: the request (the generator's description ends with it), the scenario's
    /// category, and whether the person has already answered a question.
    /// </summary>
    public static string KindOf(PpoPrompt prompt)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        var scenario = JsonNode.Parse(prompt.Gold.ScenarioJson);
        var description = scenario?["description"]?.GetValue<string>() ?? "";
        var request = description[(description.LastIndexOf(':') + 1)..].Trim();
        var category = scenario?["category"]?.GetValue<string>() ?? "";
        return $"{request}/{category}/{(prompt.Prompt.Turns.Count > 0 ? "answered" : "first")}";
    }
}
