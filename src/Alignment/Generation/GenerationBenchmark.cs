using System.Diagnostics;
using CoopAgent.Alignment.Models;
using static TorchSharp.torch;

namespace CoopAgent.Alignment.Generation;

/// <summary>Measures sampling speed of a randomly initialised model: tokens generated per second for a batch of
/// left-padded prompts, with and without the KV cache, and the decoding step of a continuous batch as the server runs
/// it. Random weights cost the same as trained ones.</summary>
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

    /// <summary>A decoding step of a full <see cref="ContinuousBatch"/> under a server-like mix, in milliseconds, and the
    /// rows it decodes per second: calls about three homes (prompts of a shared 130-token beginning and 5–40 tokens of
    /// their own), four in ten with 8 samples and the rest with 1 or 2, responses of 10–40 tokens; a call joins as soon as
    /// its rows are free (admission and prefill are timed too, with a <see cref="PrefixCache"/> as the server has).</summary>
    /// <param name="config">Model shape.</param>
    /// <param name="rows">Rows of the batch (the server's <c>MaxRowsPerBatch</c>).</param>
    /// <param name="seconds">How long to measure, after a warm-up of 150 steps.</param>
    /// <param name="threads">LibTorch intra-op threads during the measurement (restored afterwards).</param>
    /// <param name="precision">How the model computes (<see cref="Gpt.UseInferencePrecision"/>).</param>
    public static (double MillisecondsPerStep, double RowsPerSecond) ContinuousBatchStep(GptConfig config, int rows, double seconds, int threads = 1, InferencePrecision precision = InferencePrecision.Fp32)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 8);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(seconds);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(threads);
        var previousThreads = get_num_threads();
        set_num_threads(threads);
        var random = new Random(7);
        var homes = Enumerable.Range(0, 3).Select(_ => Enumerable.Range(0, 130).Select(_ => 2 + random.Next(config.VocabSize - 2)).ToArray()).ToArray();
        var model = new Gpt(config, new Generator(1, CPU));
        try
        {
            model.UseInferencePrecision(precision);
            using var prefixes = new PrefixCache(32);
            // End token −1 never occurs: every response runs to its own length limit.
            using var batch = new ContinuousBatch(model, endToken: -1, padToken: 0, rows, prefixes);
            var seed = 0L;
            GenerationRequest? waiting = null;
            void Fill()
            {
                var joining = new List<GenerationRequest>();
                var taken = batch.Rows;
                while (true)
                {
                    waiting ??= new GenerationRequest(
                        [.. homes[random.Next(homes.Length)], .. Enumerable.Range(0, 5 + random.Next(36)).Select(_ => 2 + random.Next(config.VocabSize - 2))],
                        random.NextDouble() < 0.4 ? 8 : 1 + random.Next(2),
                        new SamplingOptions(MaxNewTokens: 10 + random.Next(31), Temperature: 1.0),
                        seed++);
                    if (taken + waiting.Samples > rows)
                    {
                        break; // joins when enough rows have freed up
                    }

                    joining.Add(waiting);
                    taken += waiting.Samples;
                    waiting = null;
                }

                batch.Admit(joining);
            }

            for (var i = 0; i < 150; i++)
            {
                Fill();
                batch.Step();
            }

            var (steps, rowSteps) = (0, 0L);
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed.TotalSeconds < seconds)
            {
                Fill();
                rowSteps += batch.Rows;
                batch.Step();
                steps++;
            }

            return (clock.Elapsed.TotalMilliseconds / steps, rowSteps / clock.Elapsed.TotalSeconds);
        }
        finally
        {
            model.Dispose();
            set_num_threads(previousThreads);
        }
    }
}
