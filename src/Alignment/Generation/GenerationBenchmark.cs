using System.Diagnostics;
using CoopAgent.Alignment.Models;
using static TorchSharp.torch;

namespace CoopAgent.Alignment.Generation;

/// <summary>Measures sampling speed of a randomly initialised model: tokens generated per second for a batch of
/// left-padded prompts, with and without the KV cache. Random weights cost the same as trained ones.</summary>
public static class GenerationBenchmark
{
    /// <summary>Generated tokens per second (batch × new tokens ÷ seconds), best of <paramref name="repeats"/> runs after one warm-up.</summary>
    /// <param name="config">Model shape (for the shipped size: <see cref="GptConfig.Default"/>).</param>
    /// <param name="batch">Prompts per batch.</param>
    /// <param name="newTokens">Tokens generated per prompt (no row stops early: there is no end token).</param>
    /// <param name="promptLength">Longest prompt; the others are up to a quarter shorter (left padding is exercised).</param>
    /// <param name="useCache">With or without the KV cache.</param>
    /// <param name="repeats">Timed runs; the fastest counts (the machine is shared).</param>
    /// <param name="threads">LibTorch intra-op threads during the measurement (restored afterwards). At these sizes one
    /// thread is fastest on a busy 2-core machine: spinning worker threads that wait for a core cost up to 20× per step.</param>
    public static double TokensPerSecond(GptConfig config, int batch, int newTokens, int promptLength, bool useCache, int repeats = 2, int threads = 1)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(threads);
        var previousThreads = get_num_threads();
        set_num_threads(threads);
        var random = new Random(1);
        var prompts = Enumerable.Range(0, batch)
            .Select(b => Enumerable.Range(0, promptLength - (b * promptLength / (4 * batch))).Select(_ => random.Next(config.VocabSize)).ToArray())
            .ToList();
        var model = new Gpt(config, new Generator(1, CPU));
        try
        {
            // End token −1 never occurs, so every row produces exactly newTokens tokens.
            var sampler = new Sampler(model, endToken: -1, padToken: 0);
            var options = new SamplingOptions(newTokens, Temperature: 1.0, UseCache: useCache);
            using var generator = new Generator(2, CPU);
            sampler.Generate(prompts, options with { MaxNewTokens = Math.Min(4, newTokens) }, generator);
            var best = double.MaxValue;
            for (var i = 0; i < Math.Max(1, repeats); i++)
            {
                var clock = Stopwatch.StartNew();
                sampler.Generate(prompts, options, generator);
                best = Math.Min(best, clock.Elapsed.TotalSeconds);
            }

            return batch * newTokens / best;
        }
        finally
        {
            model.Dispose();
            set_num_threads(previousThreads);
        }
    }
}
