using CoopAgent.Alignment.Generation;
using CoopAgent.Alignment.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace CoopAgent.Alignment.Tests.Models;

public sealed class SlotKvCacheTests
{
    private static readonly int[][] Sequences = [[2, 9, 13, 7, 21, 5, 6], [2, 30, 4], [2, 11, 12, 19, 3]];

    /// <summary>Full-sequence logits of the last token of each sequence, no cache.</summary>
    private static Tensor Reference(Gpt model, int[] sequence) =>
        model.forward(tensor(sequence.Select(t => (long)t).ToArray()).unsqueeze(0), null)[0, -1];

    private static Gpt Model()
    {
        var model = new Gpt(GptConfig.Tiny(40), new Generator(3, CPU));
        model.eval();
        return model;
    }

    /// <summary>Prefills <paramref name="prompts"/> left-padded together and gives each a slot, in order.</summary>
    private static void Fill(Gpt model, SlotKvCache cache, IReadOnlyList<int[]> prompts)
    {
        var (tokens, mask) = Sampler.LeftPad(prompts, padToken: 0);
        var width = (int)tokens.shape[1];
        using var prefill = new KvCache(model.Config, prompts.Count, width);
        model.forward(tokens, mask, prefill);
        for (var i = 0; i < prompts.Count; i++)
        {
            Assert.Equal(cache.Count, cache.Add(prefill, i, width - prompts[i].Length, prompts[i].Length));
        }

        Assert.Throws<InvalidOperationException>(() => cache.Add(prefill, 0, 0, 1, copies: cache.Slots - cache.Count + 1));
    }

    [Fact]
    public void Slots_of_different_lengths_decode_the_logits_of_a_full_forward_pass()
    {
        using var scope = NewDisposeScope();
        var model = Model();
        using var noGrad = no_grad();
        using var cache = new SlotKvCache(model.Config, slots: 4);
        // Prefill every sequence but its last two tokens, then decode those two per slot.
        Fill(model, cache, Sequences.Select(s => s[..^2]).ToList());

        Tensor logits = null!;
        for (var back = 2; back >= 1; back--)
        {
            var input = tensor(Sequences.Select(s => (long)s[^back]).ToArray()).unsqueeze(1);
            logits = model.Decode(input, cache);
        }

        for (var i = 0; i < Sequences.Length; i++)
        {
            Assert.Equal(Sequences[i].Length, cache.LengthOf(i));
            Assert.True(logits[i].allclose(Reference(model, Sequences[i]), rtol: 0, atol: 1e-5), $"slot {i} differs from the full pass");
        }
    }

    [Fact]
    public void Removing_a_slot_moves_the_last_one_into_it_and_keeps_its_keys()
    {
        using var scope = NewDisposeScope();
        var model = Model();
        using var noGrad = no_grad();
        using var cache = new SlotKvCache(model.Config, slots: 3);
        Fill(model, cache, Sequences);

        Assert.Equal(2, cache.Remove(0));  // slot 2 moves to 0
        Assert.Equal(-1, cache.Remove(1)); // the last one: nothing moves
        Assert.Equal(1, cache.Count);
        Assert.Equal(Sequences[2].Length, cache.LengthOf(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => cache.LengthOf(1));

        var logits = model.Decode(tensor(new long[] { 8 }).unsqueeze(1), cache);
        Assert.True(logits[0].allclose(Reference(model, [.. Sequences[2], 8]), rtol: 0, atol: 1e-5));
    }
}
