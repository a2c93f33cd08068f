using CoopAgent.Agent.Data;
using CoopAgent.Alignment.Curriculum;
using CoopAgent.Alignment.Tokenization;
using CoopAgent.Alignment.Training;

namespace CoopAgent.Agent.Pipeline;

/// <summary>
/// What PPO trains against in the household: prompts drawn by the edge-of-ability curriculum, rollouts
/// scored by the proxy (the learned reward model, which is what PPO optimises), and — for the record only —
/// the gold reward of the same rollouts under the simulated person's true θ. The curriculum learns from
/// gold success (the environment knows whether the task was done), never from the proxy's scale.
/// </summary>
public sealed class HouseholdPpoEnvironment : IPromptSource, IRewardFunction
{
    private readonly CurriculumSampler _curriculum;
    private readonly IRewardFunction _proxy;
    private readonly CompactTokenizer _tokenizer;
    private readonly PersonJudge _judge;
    private readonly IReadOnlyList<PpoPrompt> _prompts;
    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);
    private readonly Dictionary<int, bool> _lastSuccess = [];

    public HouseholdPpoEnvironment(IReadOnlyList<PpoPrompt> prompts, IReadOnlyList<int[]> promptTokens, IRewardFunction proxy,
        CompactTokenizer tokenizer, PersonJudge judge, CurriculumOptions? curriculum = null)
    {
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
        _curriculum = new CurriculumSampler(promptTokens, curriculum);
        for (var i = 0; i < promptTokens.Count; i++)
        {
            _index.TryAdd(Key(promptTokens[i]), i);
        }
    }

    /// <summary>Mean gold reward of the last scored batch.</summary>
    public double LastGold { get; private set; } = double.NaN;

    /// <summary>Share of the last scored batch that succeeded by gold.</summary>
    public double LastSuccessRate { get; private set; } = double.NaN;

    /// <summary>Share of prompts whose estimated success lies in the curriculum's band.</summary>
    public double ShareInBand(double lower = 0.2, double upper = 0.8) =>
        Enumerable.Range(0, _curriculum.Count).Count(i => _curriculum.Observations(i) > 0 && _curriculum.EstimatedSuccess(i) is var p && p >= lower && p <= upper)
        / (double)_curriculum.Count;

    public IReadOnlyList<PromptDraw> Draw(int count) => _curriculum.Draw(count);

    public void Observe(int id, double score)
    {
        // The proxy score is ignored on purpose: success is judged by gold in Score.
        if (_lastSuccess.Remove(id, out var success))
        {
            _curriculum.Record(id, success);
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
