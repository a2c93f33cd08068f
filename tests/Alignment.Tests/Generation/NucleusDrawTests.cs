using CoopAgent.Alignment.Generation;
using TorchSharp;
using static TorchSharp.torch;

namespace CoopAgent.Alignment.Tests.Generation;

public sealed class NucleusDrawTests
{
    /// <summary>The sampler's own way: the constraint as a penalty tensor, filters with a full sort, then the walk over
    /// every token in vocabulary order.</summary>
    private static long[] SamplerWay(Tensor logits, bool[][]? allowed, SamplingOptions options, double[] uniforms)
    {
        using var scope = NewDisposeScope();
        var cursors = allowed?.Select(a => (ITokenCursor?)new FixedCursor(a)).ToList();
        var probabilities = Sampler.Filter(Sampler.Constrain(logits, cursors, null), options).softmax(-1).data<float>().ToArray();
        var vocabulary = (int)logits.shape[1];
        return uniforms.Select((u, r) => (long)Sampler.InverseCdf(probabilities.AsSpan(r * vocabulary, vocabulary), u)).ToArray();
    }

    private static long[] Drawn(Tensor logits, bool[][]? allowed, SamplingOptions options, double[] uniforms)
    {
        var vocabulary = (int)logits.shape[1];
        var values = logits.data<float>().ToArray();
        return uniforms.Select((u, r) => (long)NucleusDraw.Draw(values.AsSpan(r * vocabulary, vocabulary), allowed?[r], options, u)).ToArray();
    }

    [Theory]
    [InlineData(4.0, 0.95, 0, false)]   // peaked: small nuclei
    [InlineData(4.0, 0.9, 20, false)]   // top-k first, then top-p
    [InlineData(0.3, 0.95, 0, false)]   // flat: nuclei of hundreds of tokens
    [InlineData(4.0, 1.0, 0, false)]    // no top-p: every token stays
    [InlineData(4.0, 0.95, 0, true)]    // constrained rows: forbidden tokens never drawn, the nucleus among the rest
    [InlineData(0.3, 0.9, 30, true)]
    public void Draws_the_same_tokens_as_the_sampler(double spread, double topP, int topK, bool constrained)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(17, CPU);
        var logits = randn([24, 700], generator: generator) * spread;
        var allowed = constrained
            ? (rand([24, 700], generator: generator) < 0.1).data<bool>().ToArray().Chunk(700).ToArray()
            : null;
        var options = new SamplingOptions(Temperature: 0.9, TopK: topK, TopP: topP);
        for (var trial = 0; trial < 20; trial++)
        {
            var uniforms = rand([24], ScalarType.Float64, generator: generator).data<double>().ToArray();
            var drawn = Drawn(logits, allowed, options, uniforms);
            Assert.Equal(SamplerWay(logits, allowed, options, uniforms), drawn);
            if (allowed is not null)
            {
                Assert.All(drawn.Select((t, r) => allowed[r][t]), Assert.True);
            }
        }
    }

    [Theory]
    [InlineData(4.0, 0.95, 0)]
    [InlineData(0.3, 0.9, 30)]
    [InlineData(2.0, 1.0, 0)]
    public void A_token_mask_draws_what_the_same_bool_mask_draws(double spread, double topP, int topK)
    {
        // A grammar's masks are TokenMasks, walked by their allowed ids only: the draws must be those of the same mask
        // as bool[] (walked id by id), with ids on both sides of every 64-bit word boundary.
        using var scope = NewDisposeScope();
        using var generator = new Generator(23, CPU);
        const int vocabulary = 700;
        var logits = (randn([12, vocabulary], generator: generator) * spread).data<float>().ToArray();
        var allowed = (rand([12, vocabulary], generator: generator) < 0.08).data<bool>().ToArray().Chunk(vocabulary).ToArray();
        allowed[0] = [.. Enumerable.Range(0, vocabulary).Select(v => v % 64 is 0 or 63)];
        var masks = allowed.Select(row =>
        {
            var mask = new TokenMask(vocabulary);
            foreach (var v in Enumerable.Range(0, vocabulary).Where(v => row[v]))
            {
                mask.Allow(v);
            }

            return mask;
        }).ToArray();
        var options = new SamplingOptions(Temperature: 0.9, TopK: topK, TopP: topP);
        for (var trial = 0; trial < 20; trial++)
        {
            var uniforms = rand([12], ScalarType.Float64, generator: generator).data<double>().ToArray();
            for (var r = 0; r < 12; r++)
            {
                var row = logits.AsSpan(r * vocabulary, vocabulary);
                var drawn = NucleusDraw.Draw(row, masks[r], options, uniforms[r]);
                Assert.Equal(NucleusDraw.Draw(row, allowed[r], options, uniforms[r]), drawn);
                Assert.True(allowed[r][drawn]);
            }
        }
    }

    [Fact]
    public void Greedy_draws_the_most_likely_allowed_token()
    {
        float[] logits = [0.1f, 3f, 0.2f, -1f, 2.9f, 0f];
        Assert.Equal(1, NucleusDraw.Draw(logits, null, SamplingOptions.Greedy(), 0.99));
        Assert.Equal(4, NucleusDraw.Draw(logits, [true, false, true, true, true, true], SamplingOptions.Greedy(), 0.99));
    }

    [Fact]
    public void Samples_sharing_a_row_draw_each_with_its_uniform_what_it_would_draw_alone()
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(23, CPU);
        var logits = (randn([700], generator: generator) * 3).data<float>().ToArray();
        var allowed = (rand([700], generator: generator) < 0.2).data<bool>().ToArray();
        var options = new SamplingOptions(Temperature: 0.8, TopK: 40, TopP: 0.9);
        var uniforms = rand([9], ScalarType.Float64, generator: generator).data<double>().ToArray();
        var drawn = new int[uniforms.Length];

        NucleusDraw.DrawEach(logits, allowed, options, uniforms, drawn);

        Assert.Equal(uniforms.Select(u => NucleusDraw.Draw(logits, allowed, options, u)), drawn);
        Assert.True(drawn.Distinct().Count() > 1, "different uniforms should reach different tokens here");
        Assert.Throws<ArgumentException>(() => NucleusDraw.DrawEach(logits, allowed, options, uniforms, new int[2]));
    }

    /// <summary>A constraint that allows a fixed set of tokens.</summary>
    private sealed class FixedCursor(bool[] allowed) : ITokenCursor
    {
        public IReadOnlyList<bool> Allowed => allowed;

        public void Advance(int token)
        {
        }
    }
}
