using CoopAgent.Alignment.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace CoopAgent.Alignment.Tests.Models;

/// <summary>The CPU attention kernel against the formula computed in doubles: widths that are and are not whole
/// vectors, lengths that are and are not multiples of its four-key blocks, and scores large enough to overflow
/// exp without the max taken off.</summary>
public sealed unsafe class DirectAttentionTests
{
    [Theory]
    [InlineData(40, 1, 1, 1.0)]
    [InlineData(40, 203, 37, 1.0)]
    [InlineData(16, 4, 8, 1.0)]
    [InlineData(12, 5, 6, 1.0)]
    [InlineData(5, 3, 1, 1.0)]
    [InlineData(40, 17, 3, 60.0)]
    public void Attend_is_the_softmax_of_the_scores_over_base_then_own_positions_applied_to_the_values(int width, int baseLength, int ownLength, double spread)
    {
        var random = new Random(width + baseLength + ownLength);
        float[] Draw(int count) => [.. Enumerable.Range(0, count).Select(_ => (float)((random.NextDouble() * 2) - 1))];
        var query = Draw(width).Select(x => (float)(x * spread)).ToArray();
        var (baseKeys, baseValues) = (Draw(baseLength * width), Draw(baseLength * width));
        var (ownKeys, ownValues) = (Draw(ownLength * width), Draw(ownLength * width));
        var scale = (float)(1 / Math.Sqrt(width));

        var output = new float[width];
        var scores = new float[baseLength + ownLength];
        fixed (float* q = query, bk = baseKeys, bv = baseValues, ok = ownKeys, ov = ownValues, o = output)
        {
            DirectAttention.Attend(q, scale, new DirectAttention.Reading(bk, bv, baseLength, ok, ov, ownLength), width, o, scores);
        }

        // The same in doubles, one position at a time.
        var keys = baseKeys.Concat(ownKeys).ToArray();
        var values = baseValues.Concat(ownValues).ToArray();
        var positions = baseLength + ownLength;
        var logits = Enumerable.Range(0, positions).Select(j => Enumerable.Range(0, width).Sum(d => (double)query[d] * scale * keys[(j * width) + d])).ToArray();
        var top = logits.Max();
        var weights = logits.Select(l => Math.Exp(l - top)).ToArray();
        var total = weights.Sum();
        for (var d = 0; d < width; d++)
        {
            var expected = Enumerable.Range(0, positions).Sum(j => weights[j] * values[(j * width) + d]) / total;
            Assert.True(Math.Abs(expected - output[d]) < 1e-5, $"column {d}: {output[d]} against {expected}");
        }
    }

    [Fact]
    public void Data_is_the_address_of_a_cpu_float_tensors_first_element_and_refuses_any_other_type()
    {
        using var scope = NewDisposeScope();
        var buffer = zeros(3, 4);
        var row = buffer.narrow(0, 1, 2);
        DirectAttention.Data(row)[1] = 7;
        Assert.Equal(7f, buffer[1, 1].item<float>());

        Assert.Throws<ArgumentException>(() => DirectAttention.Data(zeros(3, dtype: ScalarType.BFloat16)));
        Assert.Throws<ArgumentException>(() => DirectAttention.Data(zeros(3, dtype: ScalarType.Float64)));
    }
}
