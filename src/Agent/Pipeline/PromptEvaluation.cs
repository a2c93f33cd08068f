using CoopAgent.Agent.Data;
using CoopAgent.Alignment.Generation;
using CoopAgent.Alignment.Models;
using CoopAgent.Alignment.Tokenization;
using CoopAgent.Alignment.Training;

namespace CoopAgent.Agent.Pipeline;

/// <summary>
/// A policy's greedy turn on fixed prompts, judged as the pipeline judges its held-out prompts: mean gold reward (the
/// simulated person's true θ), mean proxy reward (the reward model, NaN when none is given), share of turns that
/// succeeded by gold, and share of turns whose every action parses. Shared by the pipeline and the experiments.
/// </summary>
public sealed record PromptEvaluation(double Gold, double Proxy, double Success, double ParseRate)
{
    /// <summary>The figures by name (gold, proxy, success, parse_rate), as the pipeline logs them.</summary>
    public Dictionary<string, double> Figures() => new()
    {
        ["gold"] = Gold,
        ["proxy"] = Proxy,
        ["success"] = Success,
        ["parse_rate"] = ParseRate,
    };

    /// <summary>Generates the greedy turn for every prompt (16 at a time) and judges it.</summary>
    /// <param name="policy">The policy to measure.</param>
    /// <param name="rewardModel">The proxy; null leaves <see cref="Proxy"/> NaN.</param>
    /// <param name="prompts">The prompts with their gold contexts (at least one).</param>
    /// <param name="tokenizer">The policy's tokenizer.</param>
    /// <param name="judge">Says whether a gold reward counts as success.</param>
    /// <param name="maxNewTokens">Longest turn.</param>
    public static PromptEvaluation Measure(Gpt policy, ScalarModel? rewardModel, IReadOnlyList<PpoPrompt> prompts,
        CompactTokenizer tokenizer, PersonJudge judge, int maxNewTokens)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(prompts);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(judge);
        if (prompts.Count == 0)
        {
            throw new ArgumentException("no prompts to evaluate on.", nameof(prompts));
        }

        var sampler = new Sampler(policy, CompactTokenizer.EosId, CompactTokenizer.PadId);
        var options = SamplingOptions.Greedy(maxNewTokens);
        double gold = 0, success = 0, parsed = 0, proxy = 0;
        foreach (var chunk in prompts.Chunk(16))
        {
            var tokens = chunk.Select(p => PipelineData.Encode(tokenizer, p.Prompt, policy.Config.ContextLength, maxNewTokens)).ToList();
            var responses = sampler.Generate(tokens, options);
            if (rewardModel is not null)
            {
                proxy += new RewardModelScorer(rewardModel, CompactTokenizer.PadId).Score(tokens, responses.Select(r => r.Tokens).ToList()).Sum();
            }

            for (var i = 0; i < chunk.Length; i++)
            {
                var text = tokenizer.Decode(responses[i].Tokens, skipSpecialTokens: true);
                var value = PersonJudge.Gold(chunk[i].Gold, text);
                gold += value;
                success += judge.Succeeded(chunk[i].Gold, value) ? 1 : 0;
                parsed += Parses(text) ? 1 : 0;
            }
        }

        var count = prompts.Count;
        return new PromptEvaluation(gold / count, rewardModel is null ? double.NaN : proxy / count, success / count, parsed / count);
    }

    /// <summary>True when every action of the turn parses (a plan, a question or a reply).</summary>
    private static bool Parses(string text)
    {
        var actions = Household.ActionParser.ParsePlan(text);
        return actions.Count > 0 && actions.All(a => a.Ok);
    }
}
