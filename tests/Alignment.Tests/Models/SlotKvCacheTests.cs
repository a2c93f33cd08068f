using CoopAgent.Alignment.Generation;
using CoopAgent.Alignment.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace CoopAgent.Alignment.Tests.Models;

/// <summary>Every test that decodes runs both ways a cache attends: directly on its CPU memory (the default on a CPU) and
/// with LibTorch operations (the way on any other device).</summary>
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
            Assert.Equal(cache.Count, cache.Add(prefill, i, width - prompts[i].Length, prompts[i]));
        }

        Assert.Throws<InvalidOperationException>(() => cache.Add(prefill, 0, width - prompts[0].Length, prompts[0][..1], copies: cache.Slots - cache.Count + 1));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Slots_of_different_lengths_decode_the_logits_of_a_full_forward_pass(bool direct)
    {
        using var scope = NewDisposeScope();
        var model = Model();
        using var noGrad = no_grad();
        using var cache = new SlotKvCache(model.Config, slots: 4) { Direct = direct };
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

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Removing_a_slot_moves_the_last_one_into_it_and_keeps_its_keys(bool direct)
    {
        using var scope = NewDisposeScope();
        var model = Model();
        using var noGrad = no_grad();
        using var cache = new SlotKvCache(model.Config, slots: 3) { Direct = direct };
        Fill(model, cache, Sequences);

        Assert.Equal(2, cache.Remove(0));  // slot 2 moves to 0
        Assert.Equal(-1, cache.Remove(1)); // the last one: nothing moves
        Assert.Equal(1, cache.Count);
        Assert.Equal(Sequences[2].Length, cache.LengthOf(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => cache.LengthOf(1));

        var logits = model.Decode(tensor(new long[] { 8 }).unsqueeze(1), cache);
        Assert.True(logits[0].allclose(Reference(model, [.. Sequences[2], 8]), rtol: 0, atol: 1e-5));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_fork_continues_what_its_slot_generated_and_then_decodes_its_own_sequence(bool direct)
    {
        using var scope = NewDisposeScope();
        var model = Model();
        using var noGrad = no_grad();
        using var cache = new SlotKvCache(model.Config, slots: 3) { Direct = direct };
        Fill(model, cache, [Sequences[0][..4]]);
        // The slot generates two tokens alone, then forks: the fork holds the prompt and both tokens.
        model.Decode(tensor(new long[] { Sequences[0][4] }).unsqueeze(1), cache);
        model.Decode(tensor(new long[] { Sequences[0][5] }).unsqueeze(1), cache);
        Assert.Equal(1, cache.Fork(0));
        Assert.Equal((2, 1), (cache.Count, cache.Groups));
        Assert.Equal(cache.LengthOf(0), cache.LengthOf(1));

        // From here each goes its own way.
        var logits = model.Decode(tensor(new long[] { 6, 17 }).unsqueeze(1), cache);
        Assert.True(logits[0].allclose(Reference(model, [.. Sequences[0][..6], 6]), rtol: 0, atol: 1e-5), "the forked-from slot");
        Assert.True(logits[1].allclose(Reference(model, [.. Sequences[0][..6], 17]), rtol: 0, atol: 1e-5), "the fork");

        // Its group stays while either reads it; a full cache or a bad slot cannot fork.
        Assert.Equal(-1, cache.Remove(1));
        Assert.Equal(1, cache.Groups);
        Assert.Throws<ArgumentOutOfRangeException>(() => cache.Fork(1));
        cache.Fork(0);
        cache.Fork(0);
        Assert.Throws<InvalidOperationException>(() => cache.Fork(0));
        Assert.Equal(3, cache.Count);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void The_samples_of_one_prompt_share_it_and_each_decodes_its_own_continuation(bool direct)
    {
        using var scope = NewDisposeScope();
        var model = Model();
        using var noGrad = no_grad();
        using var cache = new SlotKvCache(model.Config, slots: 6) { Direct = direct };
        // Two prompts of different lengths, three samples and two, each sample fed its own tokens.
        int[][] prompts = [Sequences[0][..5], Sequences[1]];
        var (tokens, mask) = Sampler.LeftPad(prompts, padToken: 0);
        var width = (int)tokens.shape[1];
        using (var prefill = new KvCache(model.Config, prompts.Length, width))
        {
            model.forward(tokens, mask, prefill);
            Assert.Equal(0, cache.Add(prefill, 0, width - prompts[0].Length, prompts[0], copies: 3));
            Assert.Equal(3, cache.Add(prefill, 1, width - prompts[1].Length, prompts[1], copies: 2));
        }

        Assert.Equal((5, 2), (cache.Count, cache.Groups));
        int[][] fed = [[8, 3], [17, 17], [25, 4], [6, 36], [39, 2]];
        Tensor logits = null!;
        for (var step = 0; step < 2; step++)
        {
            logits = model.Decode(tensor(fed.Select(f => (long)f[step]).ToArray()).unsqueeze(1), cache);
        }

        for (var slot = 0; slot < fed.Length; slot++)
        {
            var prompt = prompts[slot < 3 ? 0 : 1];
            Assert.Equal(prompt.Length + 2, cache.LengthOf(slot));
            Assert.True(logits[slot].allclose(Reference(model, [.. prompt, .. fed[slot]]), rtol: 0, atol: 1e-5), $"slot {slot} differs from the full pass");
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_prompt_is_freed_with_its_last_sample_and_the_slots_that_move_keep_decoding_their_own_sequence(bool direct)
    {
        using var scope = NewDisposeScope();
        var model = Model();
        using var noGrad = no_grad();
        using var cache = new SlotKvCache(model.Config, slots: 5) { Direct = direct };
        using (var prefill = new KvCache(model.Config, 1, Sequences[0].Length))
        {
            model.forward(tensor(Sequences[0].Select(t => (long)t).ToArray()).unsqueeze(0), null, prefill);
            cache.Add(prefill, 0, 0, Sequences[0][..3], copies: 2); // group 0: slots 0, 1 continue the first 3 tokens
            cache.Add(prefill, 0, 0, Sequences[0][..5], copies: 1); // group 1: slot 2 continues the first 5
            cache.Add(prefill, 0, 0, Sequences[0][..4], copies: 2); // group 2: slots 3, 4 continue the first 4
        }

        var seen = new List<int>[5];
        for (var slot = 0; slot < 5; slot++)
        {
            seen[slot] = [.. Sequences[0][..(slot < 2 ? 3 : slot == 2 ? 5 : 4)]];
        }

        // Slot 2 leaves (slot 4 moves in) and with it its whole prompt (group 2 moves into group 1's place); then the
        // two samples of group 0 leave (the last group moves into its place). What stays must still read its own
        // prompt and its own tokens.
        var order = seen.ToList();
        Step(model, cache, order, token: 10);
        Assert.Equal(4, cache.Remove(2));
        Moved(order, 2, 4);
        Assert.Equal(2, cache.Groups);
        Step(model, cache, order, token: 20);
        Assert.Equal(3, cache.Remove(0));
        Moved(order, 0, 3);
        Assert.Equal(2, cache.Groups);
        Assert.Equal(2, cache.Remove(1));
        Moved(order, 1, 2);
        Assert.Equal(1, cache.Groups);
        var logits = Step(model, cache, order, token: 30);

        Assert.Equal(2, cache.Count);
        for (var slot = 0; slot < order.Count; slot++)
        {
            Assert.Equal(order[slot].Count, cache.LengthOf(slot));
            Assert.True(logits[slot].allclose(Reference(model, [.. order[slot]]), rtol: 0, atol: 1e-5), $"slot {slot} differs from the full pass");
        }
    }

    /// <summary>What <see cref="SlotKvCache.Remove"/> did to the slots: the last one moved into the freed one.</summary>
    private static void Moved(List<List<int>> sequences, int freed, int last)
    {
        if (last < 0)
        {
            sequences.RemoveAt(freed);
            return;
        }

        sequences[freed] = sequences[last];
        sequences.RemoveAt(last);
    }

    /// <summary>Feeds every slot a token of its own (token + slot), recording it in that slot's sequence.</summary>
    private static Tensor Step(Gpt model, SlotKvCache cache, List<List<int>> sequences, int token)
    {
        var fed = sequences.Select((s, slot) => token + slot).ToArray();
        for (var slot = 0; slot < fed.Length; slot++)
        {
            sequences[slot].Add(fed[slot]);
        }

        return model.Decode(tensor(fed.Select(t => (long)t).ToArray()).unsqueeze(1), cache);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Bad_prompts_and_a_step_that_fails_part_way_leave_the_slots_as_they_were(bool direct)
    {
        using var scope = NewDisposeScope();
        var model = Model();
        using var noGrad = no_grad();
        using var cache = new SlotKvCache(model.Config, slots: 4) { Direct = direct };
        using var prefill = new KvCache(model.Config, 1, Sequences[1].Length);
        model.forward(tensor(Sequences[1].Select(t => (long)t).ToArray()).unsqueeze(0), null, prefill);

        Assert.Throws<InvalidOperationException>(() => cache.Add(prefill, 0, 0, Sequences[1], copies: 5));      // a group too large
        Assert.Throws<InvalidOperationException>(() => cache.Add(prefill, 0, 0, Sequences[1], copies: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => cache.Add(prefill, 1, 0, Sequences[1]));               // no such row
        Assert.Throws<ArgumentOutOfRangeException>(() => cache.Add(prefill, 0, 1, Sequences[1]));               // past the prefill
        Assert.Throws<ArgumentOutOfRangeException>(() => cache.Add(prefill, 0, 0, []));
        Assert.Throws<InvalidOperationException>(() => model.Decode(zeros(0, 1, ScalarType.Int64), cache)); // no slot yet
        Assert.Equal((0, 0), (cache.Count, cache.Groups));

        cache.Add(prefill, 0, 0, Sequences[1], copies: 2);
        Assert.Throws<ArgumentException>(() => model.Decode(tensor(new long[] { 5 }).unsqueeze(1), cache)); // one token for two slots
        // A token id outside the vocabulary fails inside the step, after it began.
        Assert.ThrowsAny<Exception>(() => model.Decode(tensor(new long[] { 5, 400 }).unsqueeze(1), cache));
        Assert.Equal(3, cache.LengthOf(1));

        var logits = model.Decode(tensor(new long[] { 5, 6 }).unsqueeze(1), cache);
        Assert.True(logits[1].allclose(Reference(model, [.. Sequences[1], 6]), rtol: 0, atol: 1e-5));
        cache.Add(prefill, 0, 0, Sequences[1][..2], copies: 2);                                       // joining after a failed step works
        Assert.Equal((4, 2), (cache.Count, cache.Groups));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Prompts_that_begin_alike_read_the_beginning_from_one_base_which_stays_while_any_reads_it(bool direct)
    {
        using var scope = NewDisposeScope();
        var model = Model();
        using var noGrad = no_grad();
        using var cache = new SlotKvCache(model.Config, slots: 8) { Direct = direct };
        var random = new Random(4);
        var home = Enumerable.Range(0, 20).Select(_ => 2 + random.Next(38)).ToArray();
        // Two calls about the same home (20 tokens alike, then their own), one that shares too little (10 tokens).
        int[][] prompts = [[.. home, 5, 6, 7], [.. home, 9], [.. home[..10], 30, 31, 32, 33, 34, 35, 36, 37, 38, 39]];
        AddPrefilled(model, cache, prompts, copies: 2);

        Assert.Equal((6, 3, 2), (cache.Count, cache.Groups, cache.Bases));
        var sequences = Enumerable.Range(0, 6).Select(slot => prompts[slot / 2].ToList()).ToList();
        var logits = Step(model, cache, sequences, token: 3);
        AssertFullPass(model, cache, sequences, logits);

        // The first call, which brought the shared beginning, leaves: the second still reads it.
        Moved(sequences, 0, cache.Remove(0));
        Moved(sequences, 1, cache.Remove(1));
        Assert.Equal((4, 2, 2), (cache.Count, cache.Groups, cache.Bases));
        logits = Step(model, cache, sequences, token: 20);
        AssertFullPass(model, cache, sequences, logits);

        while (cache.Count > 0)
        {
            cache.Remove(0);
        }

        Assert.Equal((0, 0), (cache.Groups, cache.Bases));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_prompt_going_on_long_past_every_held_beginning_becomes_a_base_that_later_prompts_continue(bool direct)
    {
        using var scope = NewDisposeScope();
        var model = Model();
        using var noGrad = no_grad();
        using var cache = new SlotKvCache(model.Config, slots: 4) { Direct = direct };
        var random = new Random(5);
        var home = Enumerable.Range(0, 20).Select(_ => 2 + random.Next(38)).ToArray();
        var talk = Enumerable.Range(0, SlotKvCache.MostUnshared + 1).Select(_ => 2 + random.Next(38)).ToArray();
        // The second shares the home but holds more than MostUnshared of its own: a base of its own. The third
        // continues the second and reads all of it from that base.
        int[][] prompts = [[.. home, 5], [.. home, .. talk], [.. home, .. talk, 9, 10]];
        AddPrefilled(model, cache, prompts, copies: 1);

        Assert.Equal((3, 3, 2), (cache.Count, cache.Groups, cache.Bases));
        var sequences = prompts.Select(p => p.ToList()).ToList();
        var logits = Step(model, cache, sequences, token: 3);
        AssertFullPass(model, cache, sequences, logits);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Slots_taking_several_tokens_in_one_step_decode_the_logits_of_a_full_forward_pass_after_their_last(bool direct)
    {
        using var scope = NewDisposeScope();
        var model = Model();
        using var noGrad = no_grad();
        using var cache = new SlotKvCache(model.Config, slots: 8) { Direct = direct };
        var random = new Random(6);
        var home = Enumerable.Range(0, 20).Select(_ => 2 + random.Next(38)).ToArray();
        // Two slots read a shared base, one holds its whole prompt: then steps where slots take 1 to 4 tokens, and one
        // where each takes one again (the single-token path after a several-token one).
        int[][] prompts = [[.. home, 5, 6], [.. home, 9], [2, 30, 4]];
        AddPrefilled(model, cache, prompts, copies: 1);
        Assert.Equal((3, 2), (cache.Count, cache.Bases));
        var sequences = prompts.Select(p => p.ToList()).ToList();
        int[][][] steps =
        [
            [[3, 7, 8, 10], [11], [12, 13]],
            [[14], [15, 16, 17], [18]],
            [[19], [20], [21]],
        ];

        foreach (var step in steps)
        {
            var counts = step.Select(t => t.Length).ToArray();
            var logits = counts.All(c => c == 1)
                ? model.Decode(tensor(step.Select(t => (long)t[0]).ToArray()).unsqueeze(1), cache)
                : model.Decode(tensor(step.SelectMany(t => t.Select(x => (long)x)).ToArray()).unsqueeze(0), counts, cache);
            for (var slot = 0; slot < step.Length; slot++)
            {
                sequences[slot].AddRange(step[slot]);
            }

            Assert.Equal(new long[] { 3, model.Config.VocabSize }, logits.shape);
            AssertFullPass(model, cache, sequences, logits);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_several_token_step_with_counts_that_do_not_match_the_slots_is_refused_and_changes_nothing(bool direct)
    {
        using var scope = NewDisposeScope();
        var model = Model();
        using var noGrad = no_grad();
        using var cache = new SlotKvCache(model.Config, slots: 4) { Direct = direct };
        Fill(model, cache, Sequences);
        var lengths = Enumerable.Range(0, cache.Count).Select(cache.LengthOf).ToArray();

        var tokens = tensor(new long[] { 3, 4, 5, 6 }).unsqueeze(0);
        Assert.Throws<ArgumentException>(() => model.Decode(tokens, [2, 2], cache));          // two counts for three slots
        Assert.Throws<ArgumentException>(() => model.Decode(tokens, [2, 2, 0], cache));       // a slot taking nothing
        Assert.Throws<ArgumentException>(() => model.Decode(tokens, [1, 1, 1], cache));       // four tokens, counts of three
        Assert.Throws<ArgumentException>(() => model.Decode(tokens.view(4, 1), [2, 1, 1], cache)); // not (1, N)

        Assert.Equal(lengths, Enumerable.Range(0, cache.Count).Select(cache.LengthOf));
        var logits = model.Decode(tokens, [2, 1, 1], cache);
        AssertFullPass(model, cache, [[.. Sequences[0], 3, 4], [.. Sequences[1], 5], [.. Sequences[2], 6]], logits);
    }

    /// <summary>Prefills <paramref name="prompts"/> left-padded together and adds each, in order, with <paramref name="copies"/> slots.</summary>
    private static void AddPrefilled(Gpt model, SlotKvCache cache, int[][] prompts, int copies)
    {
        var (tokens, mask) = Sampler.LeftPad(prompts, padToken: 0);
        var width = (int)tokens.shape[1];
        using var prefill = new KvCache(model.Config, prompts.Length, width);
        model.forward(tokens, mask, prefill);
        for (var i = 0; i < prompts.Length; i++)
        {
            cache.Add(prefill, i, width - prompts[i].Length, prompts[i], copies);
        }
    }

    private static void AssertFullPass(Gpt model, SlotKvCache cache, List<List<int>> sequences, Tensor logits)
    {
        for (var slot = 0; slot < sequences.Count; slot++)
        {
            Assert.Equal(sequences[slot].Count, cache.LengthOf(slot));
            Assert.True(logits[slot].allclose(Reference(model, [.. sequences[slot]]), rtol: 0, atol: 1e-5), $"slot {slot} differs from the full pass");
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_prompt_that_continues_a_held_beginning_joins_with_nothing_of_its_own_and_its_rest_decodes_in_one_step(bool direct)
    {
        using var scope = NewDisposeScope();
        var model = Model();
        using var noGrad = no_grad();
        using var cache = new SlotKvCache(model.Config, slots: 4) { Direct = direct };
        int[] held = [2, 9, 13, 7, 21, 5, 6, 30, 4, 8, 17, 25, 3, 36, 39, 12, 11, 19];
        Assert.Throws<InvalidOperationException>(() => cache.Join([.. held, 5]));   // nothing held yet
        Fill(model, cache, [held]);
        Assert.Equal(0, cache.Joinable([2, 9, 13, 7, 5]));                           // shares too little
        Assert.Equal(0, cache.Joinable([.. held[..16], .. Enumerable.Repeat(5, 40)])); // goes on too long past it

        int[] joining = [.. held[..17], 22, 28, 14];
        Assert.Equal(17, cache.Joinable(joining));
        var slot = cache.Join(joining);
        Assert.Equal((1, 2, 1), (slot, cache.Groups, cache.Bases));
        Assert.Equal(17, cache.LengthOf(slot));

        var logits = model.Decode(tensor(new long[] { 6, 22, 28, 14 }).unsqueeze(0), [1, 3], cache);

        Assert.Equal(joining.Length, cache.LengthOf(slot));
        Assert.True(logits[1].allclose(Reference(model, joining), rtol: 0, atol: 1e-5), "the joined slot differs from the full pass");
        Assert.True(logits[0].allclose(Reference(model, [.. held, 6]), rtol: 0, atol: 1e-5), "the held slot differs from the full pass");
    }
}
