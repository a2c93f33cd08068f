using CoopAgent.Alignment.Generation;
using CoopAgent.Alignment.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace CoopAgent.Alignment.Tests.Generation;

public sealed class ContinuousBatchTests
{
    private const int End = 1;
    private const int Pad = 0;

    private static readonly int[][] Prompts = [[2, 9, 13, 7, 21], [2, 30], [2, 11, 12]];

    /// <summary>A beginning long enough to be held once and read by every prompt that starts with it.</summary>
    private static readonly int[] Home = [2, 9, 13, 7, 21, 5, 6, 30, 4, 8, 17, 25, 3, 36, 39, 12, 11, 19, 22, 28];

    // Temperature 3 makes the end token come up now and then, so responses end at different steps.
    private static readonly SamplingOptions Options = new(MaxNewTokens: 30, Temperature: 3, TopP: 0.9);

    private static Gpt TinyModel() => new(GptConfig.Tiny(40), new Generator(5, CPU));

    private static int[][] Alone(Gpt model, GenerationRequest request) =>
        new Sampler(model, End, Pad)
            .Generate(Enumerable.Repeat(request.Prompt, request.Samples).ToList(), request.Options, new Generator((ulong)request.Seed, CPU),
                constraints: request.Constraint is null ? null : Enumerable.Repeat(request.Constraint, request.Samples).ToList())
            .Select(s => s.Tokens).ToArray();

    private static Dictionary<GenerationRequest, FinishedGeneration> RunToEnd(ContinuousBatch batch, Dictionary<int, GenerationRequest[]>? joining = null)
    {
        var done = new Dictionary<GenerationRequest, FinishedGeneration>(ReferenceEqualityComparer.Instance);
        for (var step = 0; batch.Rows > 0 || joining?.Keys.Any(k => k >= step) == true; step++)
        {
            if (joining?.TryGetValue(step, out var join) == true)
            {
                batch.Admit(join);
            }

            foreach (var finished in batch.Step())
            {
                done.Add(finished.Request, finished);
            }

            Assert.True(step < 200, "the batch never emptied");
        }

        return done;
    }

    [Fact]
    public void Each_request_gets_the_samples_the_sampler_gives_it_alone()
    {
        var model = TinyModel();
        using var batch = new ContinuousBatch(model, End, Pad, maxRows: 16);
        var requests = Prompts.Select((p, i) => new GenerationRequest(p, Samples: i + 2, Options, Seed: 10 + i)).ToArray();
        batch.Admit(requests);
        Assert.Equal(9, batch.Rows);

        var done = RunToEnd(batch);

        Assert.Equal(0, batch.Requests);
        foreach (var request in requests)
        {
            Assert.Equal(Alone(model, request), done[request].Samples.Select(s => s.Tokens));
        }

        var all = done.Values.SelectMany(d => d.Samples).ToList();
        Assert.True(all.Select(s => s.Tokens.Length).Distinct().Count() >= 3, "responses should end at different steps");
        Assert.Contains(all, s => s.Finished && s.Tokens[^1] == End);
    }

    [Fact]
    public void A_request_admitted_mid_batch_is_served_before_the_batch_ends_with_the_same_samples()
    {
        var model = TinyModel();
        using var batch = new ContinuousBatch(model, End, Pad, maxRows: 16);
        var early = new GenerationRequest(Prompts[0], 4, Options with { MaxNewTokens = 40 }, Seed: 3);
        var late = new GenerationRequest(Prompts[1], 2, Options with { MaxNewTokens = 5 }, Seed: 4);
        var finishedAt = new Dictionary<GenerationRequest, int>(ReferenceEqualityComparer.Instance);
        var done = new Dictionary<GenerationRequest, FinishedGeneration>(ReferenceEqualityComparer.Instance);
        batch.Admit([early]);
        for (var step = 0; batch.Rows > 0; step++)
        {
            if (step == 3)
            {
                batch.Admit([late]);
            }

            foreach (var finished in batch.Step())
            {
                done.Add(finished.Request, finished);
                finishedAt[finished.Request] = step;
            }
        }

        Assert.True(finishedAt[late] <= 3 + 5, "the late request takes at most its own five steps");
        Assert.True(finishedAt[late] < finishedAt[early], "the late request should leave while the early one still runs");
        Assert.Equal(Alone(model, early), done[early].Samples.Select(s => s.Tokens));
        Assert.Equal(Alone(model, late), done[late].Samples.Select(s => s.Tokens));
    }

    /// <summary>A batch running one call of three samples whose prompt is <see cref="Home"/> and two more tokens.</summary>
    private static (Gpt Model, ContinuousBatch Batch, GenerationRequest First) RunningHome(int maxNewTokens, int seed)
    {
        var model = TinyModel();
        var batch = new ContinuousBatch(model, End, Pad, maxRows: 16);
        var first = new GenerationRequest([.. Home, 5, 6], 3, Options with { MaxNewTokens = maxNewTokens }, Seed: seed);
        batch.Admit([first]);
        return (model, batch, first);
    }

    [Fact]
    public void Calls_whose_prompts_continue_a_held_beginning_join_without_a_prefill_and_get_the_samplers_samples()
    {
        var (model, batch, first) = RunningHome(maxNewTokens: 30, seed: 60);
        using var disposing = batch;
        var second = new GenerationRequest([.. Home, 14, 15, 16], 2, Options with { MaxNewTokens = 10 }, Seed: 61);
        var third = new GenerationRequest([.. Home, 7], 2, Options with { MaxNewTokens = 12 }, Seed: 62);
        var alone = new GenerationRequest([2, 30], 1, Options with { MaxNewTokens = 9 }, Seed: 63); // nothing held begins like it
        Assert.Equal(0, batch.PromptTokensJoined);

        // The joining calls and a prefilled one in one admission, while the first call runs.
        var done = RunToEnd(batch, new() { [2] = [second, alone, third] });

        Assert.Equal(2 * Home.Length, batch.PromptTokensJoined); // second and third read the 20 held tokens
        foreach (var request in new[] { first, second, third, alone })
        {
            Assert.Equal(Alone(model, request), done[request].Samples.Select(s => s.Tokens));
        }
    }

    [Fact]
    public void A_joining_call_cancelled_before_its_first_step_leaves_and_the_others_keep_their_samples()
    {
        var (model, batch, first) = RunningHome(maxNewTokens: 20, seed: 70);
        using var disposing = batch;
        var joining = new GenerationRequest([.. Home, 14], 2, Options with { MaxNewTokens = 20 }, Seed: 71);
        var later = new GenerationRequest([2, 11, 12], 2, Options with { MaxNewTokens = 20 }, Seed: 72);
        batch.Step();
        batch.Admit([joining]);
        Assert.True(batch.Cancel(joining));
        batch.Admit([later]);

        var done = RunToEnd(batch);

        Assert.False(done.ContainsKey(joining));
        Assert.Equal(Alone(model, later), done[later].Samples.Select(s => s.Tokens));
        Assert.Equal(Alone(model, first), done[first].Samples.Select(s => s.Tokens));
    }

    [Fact]
    public void Calls_of_different_prompt_lengths_joining_and_leaving_at_different_steps_get_the_samples_they_get_alone()
    {
        var model = TinyModel();
        using var batch = new ContinuousBatch(model, End, Pad, maxRows: 12);
        // Two calls share a prompt (prefilled once); two begin with the same 20 tokens (the beginning held once);
        // lengths 2 … 23; 1 to 5 samples.
        int[][] prompts = [[.. Home, 5, 6, 30], [2, 30], [2, 11, 12], [.. Home, 14, 15], [2, 11, 12]];
        var requests = prompts.Select((p, i) => new GenerationRequest(p, Samples: 1 + i, Options with { MaxNewTokens = 8 + (5 * i) }, Seed: 40 + i)).ToArray();
        var joining = new Dictionary<int, GenerationRequest[]>
        {
            [0] = [requests[0], requests[1]],
            [2] = [requests[2]],
            [1] = [requests[3]],
            [9] = [requests[4]],
        };

        var done = RunToEnd(batch, joining);

        Assert.Equal(0, batch.Rows);
        foreach (var request in requests)
        {
            Assert.Equal(Alone(model, request), done[request].Samples.Select(s => s.Tokens));
        }
    }

    [Fact]
    public void Samples_that_drew_the_same_tokens_are_decoded_once_until_they_part_and_get_the_samplers_tokens()
    {
        var model = TinyModel();
        using var batch = new ContinuousBatch(model, End, Pad, maxRows: 16);
        // The first three tokens are forced, so all six samples share them; then each draws freely and they part.
        var request = new GenerationRequest(Prompts[0], Samples: 6, Options with { MaxNewTokens = 12 }, Seed: 21, new ForcedStart([5, 7, 9]));
        var other = new GenerationRequest(Prompts[1], Samples: 2, Options with { MaxNewTokens = 12 }, Seed: 22);
        batch.Admit([request, other]);
        Assert.Equal((8, 2), (batch.Rows, batch.DecodedRows));

        var decoded = new List<int>();
        var done = new Dictionary<GenerationRequest, FinishedGeneration>(ReferenceEqualityComparer.Instance);
        while (batch.Rows > 0)
        {
            foreach (var finished in batch.Step())
            {
                done.Add(finished.Request, finished);
            }

            decoded.Add(batch.DecodedRows);
        }

        // While forced, the request is one row and the other request's two samples at most two.
        Assert.All(decoded.Take(2), d => Assert.True(d <= 3, $"{d} rows decoded while the samples shared their tokens"));
        Assert.True(decoded.Max() > 3, "the samples should part once they draw freely");
        Assert.All(done[request].Samples, s => Assert.Equal([5, 7, 9], s.Tokens.Take(3)));
        Assert.Equal(Alone(model, request), done[request].Samples.Select(s => s.Tokens));
        Assert.Equal(Alone(model, other), done[other].Samples.Select(s => s.Tokens));
    }

    /// <summary>Allows only the given tokens, one per step, then anything.</summary>
    private sealed class ForcedStart(int[] start) : ITokenConstraint
    {
        public ITokenCursor Begin() => new Cursor(start);

        private sealed class Cursor(int[] start) : ITokenCursor
        {
            private int _step;

            public IReadOnlyList<bool> Allowed => _step < start.Length
                ? [.. Enumerable.Range(0, 40).Select(t => t == start[_step])]
                : [.. Enumerable.Repeat(true, 40)];

            public void Advance(int token) => _step++;
        }
    }

    [Fact]
    public void Tokens_a_constraint_dictates_go_in_with_the_drawn_token_before_them_and_the_samples_are_the_samplers()
    {
        var model = TinyModel();
        using var batch = new ContinuousBatch(model, End, Pad, maxRows: 24);
        // After a multiple of 3, two or three tokens are dictated; short limits cut some samples inside such a run.
        var requests = Prompts.Select((p, i) => new GenerationRequest(p, Samples: 3 + (2 * i), Options with { MaxNewTokens = 7 + (4 * i) }, Seed: 60 + i, new Dictated()))
            .Append(new GenerationRequest(Prompts[0], Samples: 2, Options with { MaxNewTokens = 9 }, Seed: 70))
            .ToArray();
        batch.Admit(requests);

        var steps = 0;
        var done = new Dictionary<GenerationRequest, FinishedGeneration>(ReferenceEqualityComparer.Instance);
        for (; batch.Rows > 0; steps++)
        {
            foreach (var finished in batch.Step())
            {
                done.Add(finished.Request, finished);
            }
        }

        foreach (var request in requests)
        {
            Assert.Equal(Alone(model, request), done[request].Samples.Select(s => s.Tokens));
            Assert.All(done[request].Samples, s => Assert.True(s.Tokens.Length <= request.Options.MaxNewTokens));
        }

        var dictated = done.Where(d => d.Key.Constraint is not null).SelectMany(d => d.Value.Samples).ToList();
        Assert.True(batch.ForcedTokens >= 10, $"only {batch.ForcedTokens} tokens were dictated");
        Assert.Contains(dictated, s => !s.Finished && Dictated.After(s.Tokens[^2]).Length > 1 && s.Tokens.Length == 7);
        // Fewer steps than the longest response has tokens: dictated tokens took no step of their own.
        Assert.True(steps < dictated.Max(s => s.Tokens.Length), $"{steps} steps for responses of up to {dictated.Max(s => s.Tokens.Length)} tokens");
    }

    /// <summary>After drawing a multiple of 3, dictates the tokens <see cref="After"/> gives (then anything).</summary>
    private sealed class Dictated : ITokenConstraint
    {
        public static int[] After(int token) => token % 3 == 0 ? [.. new[] { 2 + (token * 7 % 38), 2 + (token * 11 % 38), 2 + (token * 5 % 38) }.Take(2 + (token % 2))] : [];

        public ITokenCursor Begin() => new Cursor();

        private sealed class Cursor : ITokenCursor
        {
            private readonly Queue<int> _next = new();

            public IReadOnlyList<bool> Allowed => _next.Count > 0
                ? [.. Enumerable.Range(0, 40).Select(t => t == _next.Peek())]
                : [.. Enumerable.Repeat(true, 40)];

            public IReadOnlyList<int> Forced => [.. _next];

            public void Advance(int token)
            {
                if (_next.Count > 0 && _next.Peek() == token)
                {
                    _next.Dequeue();
                }
                else
                {
                    _next.Clear();
                }

                if (_next.Count == 0)
                {
                    foreach (var next in After(token))
                    {
                        _next.Enqueue(next);
                    }
                }
            }
        }
    }

    [Fact]
    public void Responses_that_never_end_are_cut_at_their_request_length_limit()
    {
        using var batch = new ContinuousBatch(TinyModel(), endToken: 1000, Pad, maxRows: 8);
        var request = new GenerationRequest(Prompts[2], 3, new SamplingOptions(MaxNewTokens: 6), Seed: 1);
        batch.Admit([request]);
        var done = RunToEnd(batch);

        Assert.All(done[request].Samples, s =>
        {
            Assert.False(s.Finished);
            Assert.Equal(6, s.Tokens.Length);
        });
    }

    [Fact]
    public void A_cancelled_request_leaves_and_the_others_are_unaffected()
    {
        var model = TinyModel();
        using var batch = new ContinuousBatch(model, End, Pad, maxRows: 16);
        var kept = new GenerationRequest(Prompts[0], 3, Options, Seed: 8);
        var dropped = new GenerationRequest(Prompts[1], 5, Options, Seed: 9);
        batch.Admit([dropped, kept]);
        batch.Step();

        Assert.True(batch.Cancel(dropped));
        Assert.False(batch.Cancel(dropped));
        Assert.Equal(1, batch.Requests);
        var done = RunToEnd(batch);

        Assert.False(done.ContainsKey(dropped));
        Assert.Equal(Alone(model, kept), done[kept].Samples.Select(s => s.Tokens));
    }

    [Fact]
    public void Requests_that_cannot_run_are_refused_and_nothing_is_admitted()
    {
        using var batch = new ContinuousBatch(TinyModel(), End, Pad, maxRows: 4);
        var good = new GenerationRequest(Prompts[0], 2, Options, Seed: 1);
        var contextLength = GptConfig.Tiny(40).ContextLength;

        Assert.Throws<ArgumentException>(() => batch.Admit([good, new GenerationRequest([], 1, Options, 1)]));
        Assert.Throws<ArgumentException>(() => batch.Admit([new GenerationRequest(new int[contextLength], 1, Options, 1)]));
        Assert.Throws<ArgumentException>(() => batch.Admit([new GenerationRequest(Prompts[0], 5, Options, 1)]));
        Assert.Throws<ArgumentException>(() => batch.Admit([new GenerationRequest(Prompts[0], 1, Options with { Temperature = 0 }, 1)]));
        Assert.Equal(0, batch.Rows);

        batch.Admit([good]);
        Assert.Throws<InvalidOperationException>(() => batch.Admit([good with { Samples = 3 }]));
        Assert.Equal(2, batch.Rows);
        Assert.Empty(new ContinuousBatch(TinyModel(), End, Pad, maxRows: 1).Step());
    }

    [Fact]
    public void Calls_continuing_one_remembered_prompt_join_together_with_the_samples_each_gets_alone()
    {
        // The imagined answers of a turn: several prompts that go on from the same held prompt, prefilled in one pass.
        var model = TinyModel();
        using var prefixes = new PrefixCache(maxEntries: 8, minimumShared: 4);
        using var batch = new ContinuousBatch(model, End, Pad, maxRows: 16, prefixes);
        int[] turn = [2, 9, 13, 7, 21, 22, 23, 24];
        var first = new GenerationRequest(turn, 2, Options, Seed: 50);
        batch.Admit([first]);
        RunToEnd(batch);
        var answers = new[] { new[] { 30, 31 }, [32], [33, 34, 35, 36] }
            .Select((rest, i) => new GenerationRequest([.. turn, .. rest], Samples: 1 + i, Options, Seed: 60 + i)).ToArray();

        batch.Admit(answers);
        var done = RunToEnd(batch);

        Assert.Equal((4L, 3L), (prefixes.Statistics.Lookups, prefixes.Statistics.Hits)); // the answers continued the turn
        foreach (var request in answers)
        {
            Assert.Equal(Alone(model, request), done[request].Samples.Select(s => s.Tokens));
        }
    }
}
