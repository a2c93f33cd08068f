using CoopAgent.Alignment.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace CoopAgent.Alignment.Tests.Models;

public class GptTests
{
    private static Gpt TinyModel(bool tied = true)
    {
        var model = new Gpt(GptConfig.Tiny(50) with { TieWeights = tied }, new Generator(7, CPU));
        model.eval();
        return model;
    }

    private static float MaxAbsDifference(Tensor a, Tensor b) => (a - b).abs().max().item<float>();

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Forward_gives_logits_of_shape_batch_time_vocabulary(bool tied)
    {
        using var scope = NewDisposeScope();
        var model = TinyModel(tied);
        var logits = model.forward(randint(0, 50, [3, 9], dtype: ScalarType.Int64), null);
        Assert.Equal(new long[] { 3, 9, 50 }, logits.shape);
        Assert.Equal(tied, !model.state_dict().ContainsKey("lm_head.weight"));
        Assert.Contains("transformer.wte.weight", model.state_dict().Keys);
        Assert.Contains("transformer.h.1.attn.c_attn.weight", model.state_dict().Keys);
    }

    [Fact]
    public void Logits_at_chosen_positions_are_those_of_the_whole_forward_pass_there()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var model = TinyModel();
        var tokens = randint(0, 50, [3, 7], dtype: ScalarType.Int64);
        var all = model.forward(tokens, null);                                   // (3, 7, V)

        var picked = model.forward(tokens, null, null, [6, 0, 3]);               // (3, V)

        Assert.Equal(new long[] { 3, 50 }, picked.shape);
        Assert.True(picked[0].allclose(all[0, 6], rtol: 0, atol: 1e-5));
        Assert.True(picked[1].allclose(all[1, 0], rtol: 0, atol: 1e-5));
        Assert.True(picked[2].allclose(all[2, 3], rtol: 0, atol: 1e-5));
        Assert.Throws<ArgumentException>(() => model.forward(tokens, null, null, [6, 0]));     // one per row
        Assert.Throws<ArgumentException>(() => model.forward(tokens, null, null, [6, 7, 0]));  // past the row
        Assert.Throws<ArgumentException>(() => model.forward(tokens, null, null, [-1, 0, 0]));
    }

    [Fact]
    public void Left_padding_gives_the_same_logits_as_the_unpadded_sequence()
    {
        using var scope = NewDisposeScope();
        var model = TinyModel();
        var sequence = tensor(new long[] { 3, 14, 15, 9, 26 }).unsqueeze(0);   // (1, 5)
        var alone = model.forward(sequence, null);                               // (1, 5, V)

        // Same sequence after 4 padding tokens (id 0, and a different junk id in a second copy).
        var padded = cat([full(1, 4, 0L), sequence], 1);
        var junk = cat([full(1, 4, 41L), sequence], 1);
        var mask = cat([zeros(1, 4, ScalarType.Int64), ones(1, 5, ScalarType.Int64)], 1);
        var withPadding = model.forward(cat([padded, junk]), cat([mask, mask]));  // (2, 9, V)

        Assert.True(MaxAbsDifference(withPadding[0, 4..], alone[0]) < 1e-5);
        Assert.True(MaxAbsDifference(withPadding[1, 4..], alone[0]) < 1e-5);
        Assert.False(withPadding.isnan().any().item<bool>());
    }

    [Fact]
    public void Kv_cached_forward_matches_full_recomputation_with_left_padded_prompts()
    {
        using var scope = NewDisposeScope();
        var model = TinyModel();
        torch.manual_seed(3);
        // Three prompts of lengths 7, 3 and 5, left-padded to 7, then 6 continuation tokens each.
        var prompts = randint(1, 50, [3, 7], dtype: ScalarType.Int64);
        var promptMask = tensor(new long[,] { { 1, 1, 1, 1, 1, 1, 1 }, { 0, 0, 0, 0, 1, 1, 1 }, { 0, 0, 1, 1, 1, 1, 1 } });
        var continuation = randint(1, 50, [3, 6], dtype: ScalarType.Int64);
        var all = cat([prompts, continuation], 1);                                          // (3, 13)
        var allMask = cat([promptMask, ones(3, 6, ScalarType.Int64)], 1);
        var full = model.forward(all, allMask);                                             // (3, 13, V)

        using var cache = new KvCache(model.Config, 3, 13);
        var prefill = model.forward(prompts, promptMask, cache);                            // (3, 7, V)
        var real = promptMask.unsqueeze(-1).to_type(ScalarType.Bool);
        Assert.True(MaxAbsDifference(prefill.masked_fill(real.logical_not(), 0), full[.., ..7].masked_fill(real.logical_not(), 0)) < 1e-4);
        for (var t = 0; t < 6; t++)
        {
            var step = model.forward(continuation[.., t..(t + 1)], ones(3, 1, ScalarType.Int64), cache); // (3, 1, V)
            Assert.True(MaxAbsDifference(step[.., 0], full[.., 7 + t]) < 1e-4, $"step {t}");
        }

        Assert.Equal(13, cache.Length);
    }

    [Fact]
    public void A_full_cache_is_refused_with_a_clear_message()
    {
        using var scope = NewDisposeScope();
        var model = TinyModel();
        using var cache = new KvCache(model.Config, 1, 4);
        model.forward(ones(1, 3, ScalarType.Int64), null, cache);
        var e = Assert.Throws<InvalidOperationException>(() => model.forward(ones(1, 2, ScalarType.Int64), null, cache));
        Assert.Contains("capacity 4", e.Message);
    }

    [Fact]
    public void Sequences_longer_than_the_context_are_refused()
    {
        using var scope = NewDisposeScope();
        var model = TinyModel();
        var e = Assert.Throws<ArgumentException>(() => model.forward(ones(1, 65, ScalarType.Int64), null));
        Assert.Contains("context length 64", e.Message);
    }

    [Fact]
    public void Token_ids_outside_the_vocabulary_are_refused_with_a_hint()
    {
        using var scope = NewDisposeScope();
        var model = TinyModel();
        var e = Assert.Throws<ArgumentException>(() => model.forward(tensor(new long[,] { { 1, 50 } }), null));
        Assert.Contains("tokenizer", e.Message);
        Assert.Throws<ArgumentException>(() => model.forward(tensor(new long[,] { { -1, 2 } }), null));
    }

    [Fact]
    public void A_cache_for_another_batch_size_is_refused()
    {
        using var scope = NewDisposeScope();
        var model = TinyModel();
        using var cache = new KvCache(model.Config, 2, 8);
        Assert.Throws<ArgumentException>(() => model.forward(ones(3, 2, ScalarType.Int64), null, cache));
    }

    [Fact]
    public void Invalid_configurations_name_the_field()
    {
        var e = Assert.Throws<ArgumentException>(() => new Gpt(new GptConfig(50, Width: 30, Heads: 4)));
        Assert.Contains("Heads", e.Message);
        Assert.Throws<ArgumentException>(() => new GptConfig(0).Validate());
    }

    [Fact]
    public void Same_generator_seed_gives_identical_weights()
    {
        using var scope = NewDisposeScope();
        var a = new Gpt(GptConfig.Tiny(50), new Generator(11, CPU));
        var b = new Gpt(GptConfig.Tiny(50), new Generator(11, CPU));
        var c = new Gpt(GptConfig.Tiny(50), new Generator(12, CPU));
        var tokens = ones(1, 4, ScalarType.Int64);
        Assert.Equal(0f, MaxAbsDifference(a.forward(tokens, null), b.forward(tokens, null)));
        Assert.NotEqual(0f, MaxAbsDifference(a.forward(tokens, null), c.forward(tokens, null)));
    }
}
