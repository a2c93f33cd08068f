using CoopAgent.Alignment.Generation;
using CoopAgent.Alignment.Models;

namespace CoopAgent.Server.Cli.Bench;

/// <summary><c>bench --only generation</c>: sampling speed of the default-size policy with and without the KV cache
/// (batch 16, 64 new tokens, prompts of up to 64 tokens, one LibTorch thread; <c>--quick</c>: 16 new tokens), and the
/// decoding step of the server's continuous batch (<see cref="Sessions.PolicyBatcher.MaxRowsPerBatch"/> rows, a mix of
/// calls as under the chat load; <see cref="GenerationBenchmark.ContinuousBatchStep"/>) for 8 s (2 s with <c>--quick</c>),
/// in fp32 and, on a CPU with native bfloat16, again with bf16 linear layers (<c>gen_batch_step_ms_bf16</c>,
/// <c>gen_batch_rows_per_s_bf16</c>: what <c>serve</c> computes in by default there).</summary>
public sealed class GenerationBench : IBenchSection
{
    /// <summary>Vocabulary of about the size the compact tokenizer builds from the household corpus.</summary>
    private const int VocabSize = 4096;

    public string Name => "generation";

    public Task<IReadOnlyDictionary<string, double>> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var config = GptConfig.Default(VocabSize);
        var newTokens = context.Quick ? 16 : 64;
        context.Progress.WriteLine($"[bench] generation: {config.Layers} layers × width {config.Width}, batch 16, {newTokens} new tokens");
        var cached = GenerationBenchmark.TokensPerSecond(config, 16, newTokens, promptLength: 64, useCache: true);
        context.Progress.WriteLine($"[bench] generation: cached {cached:F0} tokens/s");
        var uncached = GenerationBenchmark.TokensPerSecond(config, 16, newTokens, promptLength: 64, useCache: false);
        context.Progress.WriteLine($"[bench] generation: uncached {uncached:F0} tokens/s ({cached / uncached:F1}× slower)");
        var (stepMs, rowsPerSecond) = GenerationBenchmark.ContinuousBatchStep(config, Sessions.PolicyBatcher.MaxRowsPerBatch, context.Quick ? 2 : 8);
        context.Progress.WriteLine($"[bench] generation: continuous batch of {Sessions.PolicyBatcher.MaxRowsPerBatch} rows, {stepMs:F2} ms a step");
        // The same in bfloat16, what serve computes in by default on a CPU that has it natively (elsewhere LibTorch
        // emulates it, and serve stays in fp32).
        var bf16 = InferencePrecisions.CpuHasFastBFloat16
            ? GenerationBenchmark.ContinuousBatchStep(config, Sessions.PolicyBatcher.MaxRowsPerBatch, context.Quick ? 2 : 8, precision: InferencePrecision.Bf16)
            : ((double MillisecondsPerStep, double RowsPerSecond)?)null;
        if (bf16 is { } b)
        {
            context.Progress.WriteLine($"[bench] generation: the same in bf16, {b.MillisecondsPerStep:F2} ms a step");
        }

        var figures = new Dictionary<string, double>
        {
            ["gen_tokens_per_s_cached"] = cached,
            ["gen_tokens_per_s_uncached"] = uncached,
            ["gen_batch_step_ms"] = Math.Round(stepMs, 2),
            ["gen_batch_rows_per_s"] = Math.Round(rowsPerSecond),
        };
        if (bf16 is { } reduced)
        {
            figures["gen_batch_step_ms_bf16"] = Math.Round(reduced.MillisecondsPerStep, 2);
            figures["gen_batch_rows_per_s_bf16"] = Math.Round(reduced.RowsPerSecond);
        }

        return Task.FromResult<IReadOnlyDictionary<string, double>>(figures);
    }
}
