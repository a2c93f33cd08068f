using CoopAgent.Alignment.Generation;
using TorchSharp;
using static TorchSharp.torch;

namespace CoopAgent.Alignment.Tests.Generation;

public sealed class NucleusDrawTests
{
    /// <summary>The sampler's own way: filter with a full sort, then walk every token in vocabulary order.</summary>
    private static long[] FullSort(Tensor logits, SamplingOptions options, double[] uniforms)
    {
        using var scope = NewDisposeScope();
        var probabilities = Sampler.Filter(logits, options).softmax(-1).data<float>().ToArray();
        var vocabulary = (int)logits.shape[1];
        return uniforms.Select((u, r) => (long)Sampler.InverseCdf(probabilities.AsSpan(r * vocabulary, vocabulary), u)).ToArray();
    }

    [Theory]
    [InlineData(4.0, 0.95, 0)]   // peaked: every nucleus inside the window
    [InlineData(4.0, 0.9, 20)]   // top-k first, then top-p
    [InlineData(0.3, 0.95, 0)]   // flat: nuclei wider than the window, the full sort decides
    [InlineData(4.0, 1.0, 0)]    // no top-p: every token stays
    public void Draws_the_same_tokens_as_the_full_sort(double spread, double topP, int topK)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(17, CPU);
        var logits = randn([24, 700], generator: generator) * spread;
        var options = new SamplingOptions(Temperature: 0.9, TopK: topK, TopP: topP);
        for (var trial = 0; trial < 20; trial++)
        {
            var uniforms = rand([24], ScalarType.Float64, generator: generator).data<double>().ToArray();
            Assert.Equal(FullSort(logits, options, uniforms), NucleusDraw.Draw(logits, options, uniforms));
        }
    }

    [Fact]
    public void Greedy_draws_the_most_likely_token()
    {
        using var scope = NewDisposeScope();
        var logits = tensor(new[] { 0.1f, 3f, 0.2f, -1f, 2.9f, 0f }).unsqueeze(0);
        Assert.Equal([1L], NucleusDraw.Draw(logits, SamplingOptions.Greedy(), [0.99]));
    }
}
