using CoopAgent.Alignment.Generation;
using CoopAgent.Alignment.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace CoopAgent.Alignment.Tests.Generation;

public class SamplerTests
{
    private const int End = 1;
    private const int Pad = 0;

    private static Gpt TinyModel() => new(GptConfig.Tiny(40), new Generator(5, CPU));

    private static readonly int[][] Prompts = [[2, 9, 13, 7, 21], [2, 30], [2, 11, 12]];

    [Fact]
    public void Greedy_generation_is_the_same_with_and_without_the_cache()
    {
        var sampler = new Sampler(TinyModel(), End, Pad);
        var cached = sampler.Generate(Prompts, SamplingOptions.Greedy(12));
        var uncached = sampler.Generate(Prompts, SamplingOptions.Greedy(12) with { UseCache = false });
        Assert.Equal(cached.Select(s => s.Tokens), uncached.Select(s => s.Tokens));
    }

    [Fact]
    public void Top_k_of_one_picks_the_most_likely_next_token()
    {
        using var scope = NewDisposeScope();
        var model = TinyModel();
        var sampler = new Sampler(model, End, Pad);
        var drawn = sampler.Generate(Prompts, new SamplingOptions(MaxNewTokens: 1, Temperature: 0.7, TopK: 1));
        model.eval();
        for (var b = 0; b < Prompts.Length; b++)
        {
            var logits = model.forward(tensor(Prompts[b].Select(t => (long)t).ToArray()).unsqueeze(0), null);
            Assert.Equal(logits[0, -1].argmax().item<long>(), drawn[b].Tokens[0]);
        }
    }

    [Fact]
    public void The_same_generator_seed_gives_the_same_samples()
    {
        var sampler = new Sampler(TinyModel(), End, Pad);
        var options = new SamplingOptions(MaxNewTokens: 10, Temperature: 1.5);
        var a = sampler.Generate(Prompts, options, new Generator(42, CPU));
        var b = sampler.Generate(Prompts, options, new Generator(42, CPU));
        var c = sampler.Generate(Prompts, options, new Generator(43, CPU));
        Assert.Equal(a.Select(s => s.Tokens), b.Select(s => s.Tokens));
        Assert.NotEqual(a.Select(s => s.Tokens), c.Select(s => s.Tokens));
    }

    [Fact]
    public void Rows_stop_at_the_end_token_and_include_it()
    {
        using var scope = NewDisposeScope();
        var model = TinyModel();
        // Make the end token by far the most likely after anything, then the second step always ends.
        using (no_grad())
        {
            model.Trunk.TokenEmbeddingWeight[End].mul_(40);
        }

        var results = new Sampler(model, End, Pad).Generate(Prompts, new SamplingOptions(MaxNewTokens: 20, TopK: 1));
        Assert.All(results, r =>
        {
            Assert.True(r.Finished);
            Assert.Equal(End, r.Tokens[^1]);
            Assert.Equal(1, r.Tokens.Count(t => t == End));
        });
    }

    [Fact]
    public void Shared_prompts_and_dropped_finished_rows_leave_every_sample_as_without_the_cache()
    {
        // Twelve rows, four per prompt (shared prefill); at temperature 3 the end token comes up now and then, so
        // rows finish at different steps and the cache drops them in chunks. The uncached path recomputes every
        // row from scratch with the same uniforms, so any mix-up of rows would show.
        var model = TinyModel();
        var sampler = new Sampler(model, End, Pad);
        var rows = Prompts.SelectMany(p => Enumerable.Repeat(p, 4)).ToList();
        var options = new SamplingOptions(MaxNewTokens: 40, Temperature: 3);
        var cached = sampler.Generate(rows, options, new Generator(7, CPU));
        var uncached = sampler.Generate(rows, options with { UseCache = false }, new Generator(7, CPU));

        Assert.Equal(uncached.Select(s => s.Tokens), cached.Select(s => s.Tokens));
        Assert.Equal(uncached.Select(s => s.Finished), cached.Select(s => s.Finished));
        Assert.True(cached.Count(s => s.Finished) >= 3, "too few rows finished to exercise dropping them");
        Assert.True(cached.Select(s => s.Tokens.Length).Distinct().Count() >= 3, "rows should finish at different steps");
    }

    [Fact]
    public void Unfinished_rows_stop_at_max_new_tokens()
    {
        // End token 39 is never drawn when top-k keeps only token ids the model prefers; use an id out of reach.
        var results = new Sampler(TinyModel(), endToken: 1000, Pad).Generate(Prompts, new SamplingOptions(MaxNewTokens: 7));
        Assert.All(results, r =>
        {
            Assert.False(r.Finished);
            Assert.Equal(7, r.Tokens.Length);
        });
    }

    [Fact]
    public void Streaming_reports_every_drawn_token_and_cancellation_stops_early()
    {
        var sampler = new Sampler(TinyModel(), End, Pad);
        var steps = new List<int[]>();
        using var cancel = new CancellationTokenSource();
        var results = sampler.Generate([[2, 5, 6]], new SamplingOptions(MaxNewTokens: 20), new Generator(1, CPU), step =>
        {
            steps.Add(step);
            if (steps.Count == 3)
            {
                cancel.Cancel();
            }
        }, cancellationToken: cancel.Token);
        Assert.Equal(3, steps.Count);
        Assert.Equal(steps.Select(s => s[0]), results[0].Tokens);
    }

    [Fact]
    public void Top_k_and_top_p_remove_exactly_the_unlikely_tokens()
    {
        using var scope = NewDisposeScope();
        // Probabilities 0.5, 0.3, 0.15, 0.05 in a shuffled order.
        var logits = tensor(new[] { 0.15f, 0.5f, 0.05f, 0.3f }).log().unsqueeze(0);
        bool[] Kept(SamplingOptions o) => Sampler.Filter(logits, o)[0].isfinite().data<bool>().ToArray();

        Assert.Equal([false, true, false, true], Kept(new SamplingOptions(TopK: 2)));
        Assert.Equal([false, true, false, false], Kept(new SamplingOptions(TopP: 0.5)));
        Assert.Equal([false, true, false, true], Kept(new SamplingOptions(TopP: 0.75)));
        Assert.Equal([true, true, false, true], Kept(new SamplingOptions(TopP: 0.9)));
        Assert.Equal([true, true, true, true], Kept(new SamplingOptions()));
    }

    [Fact]
    public void Draws_follow_the_filtered_probabilities()
    {
        using var scope = NewDisposeScope();
        // 4000 rows of probabilities 0.15, 0.5, 0.05, 0.3.
        var logits = tensor(new[] { 0.15f, 0.5f, 0.05f, 0.3f }).log().unsqueeze(0).expand(4000, 4);
        double[] Frequencies(SamplingOptions o)
        {
            var drawn = Sampler.DrawNext(logits, o, new Generator(8, CPU));
            return Enumerable.Range(0, 4).Select(v => drawn.Count(d => d == v) / 4000.0).ToArray();
        }

        var plain = Frequencies(new SamplingOptions());
        Assert.All(plain.Zip([0.15, 0.5, 0.05, 0.3]), p => Assert.InRange(p.First, p.Second - 0.03, p.Second + 0.03));
        var topTwo = Frequencies(new SamplingOptions(TopK: 2));                       // renormalised: 0.625, 0.375
        Assert.Equal(0, topTwo[0] + topTwo[2]);
        Assert.InRange(topTwo[1], 0.595, 0.655);
    }

    [Fact]
    public void Temperature_sharpens_or_flattens_the_distribution()
    {
        using var scope = NewDisposeScope();
        var logits = tensor(new[] { 0.15f, 0.5f, 0.05f, 0.3f }).log().unsqueeze(0);
        float TopProbability(double t) => Sampler.Filter(logits, new SamplingOptions(Temperature: t)).softmax(-1).max().item<float>();
        Assert.Equal(0.5f, TopProbability(1.0), 4);
        Assert.True(TopProbability(0.2) > 0.9f);
        Assert.True(TopProbability(10.0) < 0.3f);
    }

    [Fact]
    public void Log_probs_use_the_sampling_temperature_and_match_a_hand_computed_value()
    {
        using var scope = NewDisposeScope();
        var model = TinyModel();
        model.eval();
        var tokens = tensor(new long[,] { { 0, 2, 9, 13 } });
        var mask = tensor(new long[,] { { 0, 1, 1, 1 } });
        var logProbs = Sampler.LogProbs(model, tokens, mask, 0.7);                   // (1, 3)
        Assert.Equal(new long[] { 1, 3 }, logProbs.shape);
        var logits = model.forward(tokens, mask)[0, 2] / 0.7;                       // predicts tokens[3] = 13
        var expected = logits[13].item<float>() - logits.exp().sum().log().item<float>();
        Assert.Equal(expected, logProbs[0, 2].item<float>(), 4);
        Assert.NotEqual(expected, Sampler.LogProbs(model, tokens, mask, 1.0)[0, 2].item<float>(), 3);
    }

    [Fact]
    public void Bad_options_and_prompts_are_refused()
    {
        var sampler = new Sampler(TinyModel(), End, Pad);
        Assert.Throws<ArgumentException>(() => sampler.Generate(Prompts, new SamplingOptions(Temperature: 0)));
        Assert.Throws<ArgumentException>(() => sampler.Generate(Prompts, new SamplingOptions(TopP: 0)));
        Assert.Throws<ArgumentException>(() => sampler.Generate(Prompts, new SamplingOptions(TopK: -1)));
        Assert.Throws<ArgumentException>(() => sampler.Generate([[]], new SamplingOptions()));
        var tooLong = Assert.Throws<ArgumentException>(() => sampler.Generate(Prompts, new SamplingOptions(MaxNewTokens: 60)));
        Assert.Contains("context length", tooLong.Message);
    }

    [Fact]
    public void Generation_leaves_no_live_tensors_behind()
    {
        var sampler = new Sampler(TinyModel(), End, Pad);
        sampler.Generate(Prompts, new SamplingOptions(MaxNewTokens: 4), new Generator(1, CPU)); // warm up
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        sampler.Generate(Prompts, new SamplingOptions(MaxNewTokens: 8), new Generator(1, CPU));
        var mid = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        sampler.Generate(Prompts, new SamplingOptions(MaxNewTokens: 8, UseCache: false), new Generator(1, CPU));
        Assert.Equal((before, before), (mid, DisposeScopeManager.Statistics.ThreadTotalLiveCount));

        using var cancel = new CancellationTokenSource();
        sampler.Generate(Prompts, new SamplingOptions(MaxNewTokens: 8), new Generator(1, CPU), _ => cancel.Cancel(), cancellationToken: cancel.Token);
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }
}
