using CoopAgent.Alignment.Generation;
using CoopAgent.Alignment.Models;
using CoopAgent.Alignment.Tokenization;
using static TorchSharp.torch;

namespace CoopAgent.Server.Retraining;

/// <summary>How often a policy itself prefers the chosen side of held-out pairs.</summary>
/// <param name="Accuracy">Share of strict pairs whose chosen response has the higher length-normalised log-probability.</param>
/// <param name="Margin">Mean of (mean log π per token of chosen) − (same of rejected), nats per token.</param>
/// <param name="Pairs">Strict pairs measured.</param>
public sealed record PairPreference(double Accuracy, double Margin, int Pairs)
{
    /// <summary>Measures <paramref name="model"/> on strict pairs (prompt, chosen, rejected ids; responses end with the end token).
    /// Length-normalised so that a short reply does not win by having fewer tokens to pay for.</summary>
    public static PairPreference Measure(Gpt model, IReadOnlyList<(int[] Prompt, int[] Chosen, int[] Rejected)> pairs)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(pairs);
        if (pairs.Count == 0)
        {
            return new PairPreference(double.NaN, double.NaN, 0);
        }

        model.eval();
        var chosen = MeanLogProbs(model, pairs.Select(p => (p.Prompt, p.Chosen)).ToList());
        var rejected = MeanLogProbs(model, pairs.Select(p => (p.Prompt, p.Rejected)).ToList());
        var wins = chosen.Zip(rejected, (c, r) => c > r ? 1.0 : 0.0).Average();
        var margin = chosen.Zip(rejected, (c, r) => c - r).Average();
        return new PairPreference(wins, margin, pairs.Count);
    }

    private static double[] MeanLogProbs(Gpt model, IReadOnlyList<(int[] Prompt, int[] Response)> rows)
    {
        var means = new List<double>(rows.Count);
        foreach (var chunk in rows.Chunk(8))
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var (tokens, mask) = Sampler.LeftPad(chunk.Select(r => r.Prompt.Concat(r.Response).ToArray()).ToList(), CompactTokenizer.PadId, model.parameters().First().device);
            var logProbs = Sampler.LogProbs(model, tokens, mask, temperature: 1.0).cpu();   // (B, T-1)
            var width = (int)logProbs.shape[1];
            var values = logProbs.data<float>().ToArray();
            for (var b = 0; b < chunk.Length; b++)
            {
                // Left padding puts every row's response in its last columns: entry t predicts token t + 1.
                var length = chunk[b].Response.Length;
                var sum = 0.0;
                for (var t = width - length; t < width; t++)
                {
                    sum += values[(b * width) + t];
                }

                means.Add(sum / length);
            }
        }

        return [.. means];
    }
}
