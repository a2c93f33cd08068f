using CoopAgent.Agent.Data;
using CoopAgent.Alignment.Policy;
using CoopAgent.Alignment.Tokenization;

namespace CoopAgent.Agent.Pipeline;

/// <summary>
/// The data of one run, generated from the seed (so a resumed run regenerates exactly the same): each set
/// comes from its own generated homes, so the evaluation prompts are homes no stage trained on.
/// </summary>
public sealed class PipelineData
{
    private PipelineData(TrainingPreset preset, int seed)
    {
        Corpus = DataGenerator.Corpus(preset.CorpusDocuments, Derive(seed, 1));
        Sft = DataGenerator.Sft(preset.SftExamples, Derive(seed, 2));
        GeneratedRankings = DataGenerator.Preferences(preset.GeneratedRankings, preset.K, Derive(seed, 3));
        RankingPrompts = DataGenerator.PpoPrompts(preset.PolicyRankings, Derive(seed, 4));
        PpoPrompts = DataGenerator.PpoPrompts(preset.PpoPrompts, Derive(seed, 5));
        EvalPrompts = DataGenerator.PpoPrompts(preset.EvalPrompts, Derive(seed, 6));
    }

    public IReadOnlyList<CorpusDocument> Corpus { get; }

    public IReadOnlyList<SftExample> Sft { get; }

    /// <summary>Planner candidates ranked by simulated people (off-policy preferences).</summary>
    public IReadOnlyList<PreferenceExample> GeneratedRankings { get; }

    /// <summary>Prompts whose K samples of the SFT policy are ranked (on-policy preferences).</summary>
    public IReadOnlyList<PpoPrompt> RankingPrompts { get; }

    public IReadOnlyList<PpoPrompt> PpoPrompts { get; }

    /// <summary>Held-out prompts for gold and proxy reward after every PPO iteration.</summary>
    public IReadOnlyList<PpoPrompt> EvalPrompts { get; }

    public static PipelineData Generate(TrainingPreset preset, int seed) => new(preset, seed);

    /// <summary>Every text the tokenizer should know well: corpus, observations, instructions, turns and responses.</summary>
    public IEnumerable<string> Texts()
    {
        foreach (var d in Corpus)
        {
            yield return d.Text;
        }

        foreach (var e in Sft)
        {
            foreach (var t in PromptTexts(e.Prompt))
            {
                yield return t;
            }

            yield return e.Response;
        }

        foreach (var r in GeneratedRankings)
        {
            foreach (var t in PromptTexts(r.Prompt).Concat(r.Responses))
            {
                yield return t;
            }
        }
    }

    /// <summary>The dialogue of a prompt as chat turns: the instruction, then assistant and user turns in turn.</summary>
    public static IReadOnlyList<ChatTurn> Dialogue(PolicyPrompt prompt)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        var turns = new List<ChatTurn> { new(ChatRole.User, prompt.Instruction) };
        for (var i = 0; i < prompt.Turns.Count; i++)
        {
            turns.Add(new ChatTurn(i % 2 == 0 ? ChatRole.Assistant : ChatRole.User, prompt.Turns[i]));
        }

        return turns;
    }

    /// <summary>Prompt ids that leave room for <paramref name="maxNewTokens"/> in a context of <paramref name="contextLength"/>.</summary>
    public static int[] Encode(CompactTokenizer tokenizer, PolicyPrompt prompt, int contextLength, int maxNewTokens)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        return ChatPrompt.Build(tokenizer, prompt.Observation, Dialogue(prompt), contextLength - maxNewTokens);
    }

    private static IEnumerable<string> PromptTexts(PolicyPrompt prompt) => [prompt.Observation, prompt.Instruction, .. prompt.Turns];

    private static int Derive(int seed, int stream) => unchecked((seed * 7919) + (stream * 104_729));
}
