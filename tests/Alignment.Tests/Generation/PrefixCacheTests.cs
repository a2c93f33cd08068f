using CoopAgent.Alignment.Generation;
using CoopAgent.Alignment.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace CoopAgent.Alignment.Tests.Generation;

public sealed class PrefixCacheTests
{
    // Two prompts that share their first 20 tokens (a home description), then differ (the message).
    private static readonly int[] First = [.. Enumerable.Range(2, 20), 30, 31, 32, 33];
    private static readonly int[] Second = [.. Enumerable.Range(2, 20), 35, 36, 37, 38, 39, 3];

    private static Gpt Model()
    {
        var model = new Gpt(GptConfig.Tiny(40), new Generator(11, CPU));
        model.eval();
        return model;
    }

    private static Tensor Ids(int[] tokens) => tensor(tokens.Select(t => (long)t).ToArray()).unsqueeze(0);

    /// <summary>Prefills <paramref name="prompt"/> whole and keeps it in <paramref name="prefixes"/>.</summary>
    private static void Remember(Gpt model, PrefixCache prefixes, int[] prompt)
    {
        using var cache = new KvCache(model.Config, 1, prompt.Length);
        model.forward(Ids(prompt), null, cache);
        prefixes.Remember(prompt, cache, 0, 0);
    }

    [Fact]
    public void A_prompt_sharing_a_prefix_is_prefilled_from_it_with_the_logits_of_a_whole_prefill()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var model = Model();
        using var prefixes = new PrefixCache(maxEntries: 4, minimumShared: 16);
        Remember(model, prefixes, First);

        var (cache, shared) = prefixes.Start(Second, model.Config, CPU) ?? throw new InvalidOperationException("no prefix found");
        using (cache)
        {
            Assert.Equal(20, shared);
            var resumed = model.forward(Ids(Second[shared..]), null, cache)[0, -1];
            var whole = model.forward(Ids(Second), null)[0, -1];
            Assert.True(resumed.allclose(whole, rtol: 0, atol: 1e-5), "prefilling from the prefix changed the logits");
        }

        Assert.Equal((1L, 1L, 20L), prefixes.Statistics);
    }

    [Fact]
    public void Prompts_continuing_one_kept_prompt_share_a_cache_a_row_each_and_a_right_padded_pass_gives_each_its_logits()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var model = Model();
        using var prefixes = new PrefixCache(maxEntries: 4, minimumShared: 16);
        Remember(model, prefixes, First);
        int[] third = [.. Enumerable.Range(2, 20), 36];            // shares 20 with First, one token of its own
        int[] unrelated = [5, 6, 7];                                // too short a match: prefilled whole
        int[] sameStart = [.. Enumerable.Range(2, 18), 39, 39, 39]; // shares 18: another position, another cache

        var hits = prefixes.StartTogether([Second, unrelated, third, sameStart], model.Config, CPU);

        Assert.Null(hits[1]);
        var (second, last, other) = (hits[0]!, hits[2]!, hits[3]!);
        Assert.Same(second.Cache, last.Cache);
        Assert.NotSame(second.Cache, other.Cache);
        Assert.Equal((0, 1, 20, 20), (second.Row, last.Row, second.Shared, last.Shared));
        Assert.Equal((0, 18), (other.Row, other.Shared));
        Assert.Equal((4L, 3L, 58L), prefixes.Statistics);

        // Both rests in one pass, the shorter right-padded: each row's last real position has the logits of its whole
        // prefill.
        var tokens = tensor(new long[,] { { 35, 36, 37, 38, 39, 3 }, { 36, 0, 0, 0, 0, 0 } });
        var real = tensor(new long[,] { { 1, 1, 1, 1, 1, 1 }, { 1, 0, 0, 0, 0, 0 } });
        var logits = model.forward(tokens, real, second.Cache);
        Assert.True(logits[0, 5].allclose(model.forward(Ids(Second), null)[0, -1], rtol: 0, atol: 1e-5));
        Assert.True(logits[1, 0].allclose(model.forward(Ids(third), null)[0, -1], rtol: 0, atol: 1e-5));
        second.Cache.Dispose();
        other.Cache.Dispose();
    }

    [Fact]
    public void The_same_prompt_again_reuses_all_but_its_last_token_and_short_matches_are_prefilled_whole()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var model = Model();
        using var prefixes = new PrefixCache(maxEntries: 4, minimumShared: 16);
        Remember(model, prefixes, First);

        var again = prefixes.Start(First, model.Config, CPU);
        Assert.Equal(First.Length - 1, again?.Shared);
        again?.Cache.Dispose();
        Assert.Null(prefixes.Start([.. First[..10], 39, 39, 39, 39, 39, 39, 39, 39], model.Config, CPU));
        Assert.Null(prefixes.Start([3, 4, 5], model.Config, CPU));
    }

    [Fact]
    public void The_least_recently_used_prompt_is_forgotten_and_memory_stays_bounded()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var model = Model();
        using var prefixes = new PrefixCache(maxEntries: 2, minimumShared: 16);
        int[] third = [.. Enumerable.Range(5, 25)];
        Remember(model, prefixes, First);
        Remember(model, prefixes, third);
        prefixes.Start(First, model.Config, CPU)?.Cache.Dispose();   // First is now the most recently used
        Remember(model, prefixes, Second);                            // so third goes
        Remember(model, prefixes, Second);                            // a known prompt is only refreshed

        Assert.Equal(2, prefixes.Count);
        Assert.Equal(First.Length + Second.Length, prefixes.Tokens);
        Assert.Null(prefixes.Start(third, model.Config, CPU));
        prefixes.Start(First, model.Config, CPU)?.Cache.Dispose();
        Assert.Equal(3L, prefixes.Statistics.Lookups);
        Assert.Equal(2L, prefixes.Statistics.Hits);
    }

    [Fact]
    public void A_batch_with_a_prefix_cache_draws_the_same_samples_and_reuses_the_shared_prefix()
    {
        var model = Model();
        var options = new SamplingOptions(MaxNewTokens: 12, Temperature: 2, TopP: 0.9);
        GenerationRequest[] requests = [new(First, 3, options, Seed: 1), new(Second, 2, options, Seed: 2)];
        List<int[]> Run(PrefixCache? prefixes)
        {
            using var batch = new ContinuousBatch(model, endToken: 1, padToken: 0, maxRows: 8, prefixes);
            var done = new Dictionary<GenerationRequest, FinishedGeneration>(ReferenceEqualityComparer.Instance);
            foreach (var request in requests)
            {
                batch.Admit([request]); // one at a time: the second finds the first's prompt
                while (batch.Rows > 0)
                {
                    foreach (var finished in batch.Step())
                    {
                        done.Add(finished.Request, finished);
                    }
                }
            }

            return [.. requests.SelectMany(r => done[r].Samples.Select(s => s.Tokens))];
        }

        using var prefixes = new PrefixCache(maxEntries: 4, minimumShared: 16);
        Assert.Equal(Run(null), Run(prefixes));
        Assert.Equal((2L, 1L, 20L), prefixes.Statistics);
    }
}
