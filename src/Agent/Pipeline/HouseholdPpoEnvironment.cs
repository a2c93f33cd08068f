using CoopAgent.Agent.Data;
using CoopAgent.Alignment.Curriculum;
using CoopAgent.Alignment.Tokenization;
using CoopAgent.Alignment.Training;

namespace CoopAgent.Agent.Pipeline;

/// <summary>
/// What PPO trains against in the household: prompts drawn by the edge-of-ability curriculum, rollouts
/// scored by the proxy (the learned reward model, which is what PPO optimises), and — for the record only —
/// the gold reward of the same rollouts under the simulated person's true θ. The curriculum learns from
/// gold success (the environment knows whether the task was done), never from the proxy's scale. Another prompt
/// source (uniform, a mixed curriculum: the experiments) can take the curriculum's place; it then learns gold success
/// as <c>Observe(id, 1)</c> or <c>Observe(id, 0)</c>.
/// </summary>
public sealed class HouseholdPpoEnvironment : IPromptSource, IRewardFunction
{
    private readonly IPromptSource _source;
    private readonly IRewardFunction _proxy;
    private readonly CompactTokenizer _tokenizer;
    private readonly PersonJudge _judge;
    private readonly IReadOnlyList<PpoPrompt> _prompts;
    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);
    private readonly Dictionary<int, bool> _lastSuccess = [];

    public HouseholdPpoEnvironment(IReadOnlyList<PpoPrompt> prompts, IReadOnlyList<int[]> promptTokens, IRewardFunction proxy,
        CompactTokenizer tokenizer, PersonJudge judge, CurriculumOptions? curriculum = null)
        : this(prompts, promptTokens, proxy, tokenizer, judge, new CurriculumSampler(promptTokens, curriculum))
    {
    }

    /// <summary>Draws prompts from <paramref name="source"/>, whose ids index <paramref name="promptTokens"/>.</summary>
    public HouseholdPpoEnvironment(IReadOnlyList<PpoPrompt> prompts, IReadOnlyList<int[]> promptTokens, IRewardFunction proxy,
        CompactTokenizer tokenizer, PersonJudge judge, IPromptSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(prompts);
        ArgumentNullException.ThrowIfNull(promptTokens);
        if (prompts.Count != promptTokens.Count || prompts.Count == 0)
        {
            throw new ArgumentException($"need one token prompt per PPO prompt (got {prompts.Count} and {promptTokens.Count}).", nameof(promptTokens));
        }

        _prompts = prompts;
        _proxy = proxy;
        _tokenizer = tokenizer;
        _judge = judge;
        _source = source;
        for (var i = 0; i < promptTokens.Count; i++)
        {
            _index.TryAdd(Key(promptTokens[i]), i);
        }
    }

    /// <summary>Mean gold reward of the last scored batch.</summary>
    public double LastGold { get; private set; } = double.NaN;

    /// <summary>Share of the last scored batch that succeeded by gold.</summary>
    public double LastSuccessRate { get; private set; } = double.NaN;

    /// <summary>Share of prompts whose estimated success lies in the curriculum's band (NaN when the source is no curriculum).</summary>
    public double ShareInBand(double lower = 0.2, double upper = 0.8) => _source is CurriculumSampler curriculum
        ? Enumerable.Range(0, curriculum.Count).Count(i => curriculum.Observations(i) > 0 && curriculum.EstimatedSuccess(i) is var p && p >= lower && p <= upper)
          / (double)curriculum.Count
        : double.NaN;

    public IReadOnlyList<PromptDraw> Draw(int count) => _source.Draw(count);

    public void Observe(int id, double score)
    {
        // The proxy score is ignored on purpose: success is judged by gold in Score.
        if (_lastSuccess.Remove(id, out var success))
        {
            _source.Observe(id, success ? 1 : 0);
        }
    }

    public IReadOnlyList<double> Score(IReadOnlyList<int[]> prompts, IReadOnlyList<int[]> responses)
    {
        var proxy = _proxy.Score(prompts, responses);
        double gold = 0, succeeded = 0;
        var rows = 0;
        for (var i = 0; i < prompts.Count; i++)
        {
            if (!_index.TryGetValue(Key(prompts[i]), out var id))
            {
                continue;
            }

            var context = _prompts[id].Gold;
            var value = PersonJudge.Gold(context, _tokenizer.Decode(responses[i], skipSpecialTokens: true));
            var success = _judge.Succeeded(context, value);
            _lastSuccess[id] = success;
            gold += value;
            succeeded += success ? 1 : 0;
            rows++;
        }

        LastGold = rows > 0 ? gold / rows : double.NaN;
        LastSuccessRate = rows > 0 ? succeeded / rows : double.NaN;
        return proxy;
    }

    private static string Key(int[] tokens) => string.Join(',', tokens.Where(t => t != CompactTokenizer.PadId));
}
