using System.Diagnostics;
using CoopAgent.Alignment.Generation;
using CoopAgent.Alignment.Models;
using CoopAgent.Alignment.Training;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace CoopAgent.Alignment.Tests.Training;

public class SftTrainerTests(ITestOutputHelper output)
{
    // A toy vocabulary: 0 bos, 1 eos, 2 pad, 3 separator, 4–11 symbols.
    private const int Bos = 0, Eos = 1, Pad = 2, Separator = 3, FirstSymbol = 4, Symbols = 8;

    private static SftExample Reversal(int[] symbols) =>
        new([Bos, .. symbols, Separator], [.. symbols.Reverse(), Eos]);

    private static List<int[]> RandomSequences(Random random, int count, int length) =>
        Enumerable.Range(0, count).Select(_ => Enumerable.Range(0, length).Select(_ => FirstSymbol + random.Next(Symbols)).ToArray()).ToList();

    [Fact]
    public void The_loss_mask_covers_exactly_the_response_and_its_end_token()
    {
        using var batch = TokenBatches.Sft([new([5, 6, 7], [8, 1]), new([5], [9, 1])], Pad, contextLength: 16);
        Assert.Equal(new long[] { 5, 6, 7, 8, 5, 9, 2, 2 }, batch.Inputs.data<long>().ToArray());
        Assert.Equal(new long[] { 6, 7, 8, 1, 9, 1, 2, 2 }, batch.Targets.data<long>().ToArray());
        Assert.Equal(new float[] { 0, 0, 1, 1, 1, 1, 0, 0 }, batch.LossMask.data<float>().ToArray());
        Assert.Equal(new long[] { 1, 1, 1, 1, 1, 1, 0, 0 }, batch.AttentionMask.data<long>().ToArray());
    }

    [Fact]
    public void Prompts_too_long_for_the_context_lose_tokens_from_the_left_never_the_response()
    {
        using var batch = TokenBatches.Sft([new([5, 6, 7, 8, 9], [10, 11, 1])], Pad, contextLength: 5);
        Assert.Equal(new long[] { 8, 9, 10, 11, 1 }, batch.Targets.data<long>().ToArray());
        Assert.Equal(new float[] { 0, 0, 1, 1, 1 }, batch.LossMask.data<float>().ToArray()); // predictions of 10, 11, eos
        Assert.Throws<ArgumentException>(() => TokenBatches.Sft([new([5], [6, 7, 8, 9, 10, 1])], Pad, contextLength: 5));
        Assert.Throws<ArgumentException>(() => TokenBatches.Sft([new([], [1])], Pad, contextLength: 5));
    }

    [Fact]
    public void The_loss_is_the_mean_cross_entropy_of_the_response_tokens_only()
    {
        using var scope = NewDisposeScope();
        var model = new Gpt(GptConfig.Tiny(12), new Generator(3, CPU));
        model.eval();
        using var batch = TokenBatches.Sft([new([0, 5, 6, 7], [8, 1])], Pad, contextLength: 16);
        var loss = NextTokenTrainer.Loss(model, batch).item<float>();

        // By hand: positions 2 and 3 predict 8 and 1 (the response); positions 0 and 1 predict prompt tokens 6 and 7.
        var logProbs = model.forward(batch.Inputs, null)[0].log_softmax(-1);          // (5, V)
        var expected = -(logProbs[3, 8].item<float>() + logProbs[4, 1].item<float>()) / 2;
        var withPrompt = -(logProbs[0, 5].item<float>() + logProbs[1, 6].item<float>() + logProbs[2, 7].item<float>()
                           + logProbs[3, 8].item<float>() + logProbs[4, 1].item<float>()) / 5;
        Assert.Equal(expected, loss, 4);
        Assert.NotEqual(withPrompt, loss, 2);
    }

    [Fact]
    public void Prompt_tokens_get_no_gradient_through_their_targets()
    {
        using var scope = NewDisposeScope();
        var model = new Gpt(GptConfig.Tiny(12), new Generator(3, CPU));
        // Two batches that differ only in a prompt token that is a target but never an input: same loss.
        using var a = TokenBatches.Sft([new([0, 5, 6], [8, 1])], Pad, 16);
        using var b = TokenBatches.Sft([new([0, 5, 6], [8, 1])], Pad, 16);
        b.Targets[0, 0] = tensor(9L);
        Assert.Equal(NextTokenTrainer.Loss(model, a).item<float>(), NextTokenTrainer.Loss(model, b).item<float>());
        b.Targets[0, 2] = tensor(9L);                                                  // a response target: the loss moves
        Assert.NotEqual(NextTokenTrainer.Loss(model, a).item<float>(), NextTokenTrainer.Loss(model, b).item<float>());
    }

    [Fact]
    public void Sft_learns_to_reverse_short_sequences()
    {
        // One intra-op thread: with tiny tensors on a shared 2-core machine, a second thread costs more than it gives (3× here).
        torch.set_num_threads(1);
        var clock = Stopwatch.StartNew();
        torch.manual_seed(1);
        var random = new Random(1);
        var train = RandomSequences(random, 1024, 4).Select(Reversal).ToList();
        var held = RandomSequences(new Random(99), 128, 4);
        var model = new Gpt(new GptConfig(12, ContextLength: 16, Layers: 2, Heads: 2, Width: 64), new Generator(1, CPU));
        using var trainer = new SftTrainer(model, new SftOptions(LearningRate: 3e-3, BatchSize: 64, Epochs: 10, WarmupSteps: 20), train.Count, Pad);
        var losses = trainer.Train(train);

        var results = new Sampler(model, Eos, Pad).Generate(held.Select(s => Reversal(s).Prompt).ToList(), SamplingOptions.Greedy(6));
        var exact = held.Zip(results).Count(p => p.Second.Tokens.SequenceEqual(Reversal(p.First).Response)) / (double)held.Count;
        output.WriteLine($"{losses.Count} steps, loss {losses[0]:F3} → {losses[^1]:F4}, exact match {exact:P1} on held-out, {clock.Elapsed.TotalSeconds:F1} s");
        Assert.True(exact >= 0.95, $"exact match {exact:P1}");
    }

    [Fact]
    public void A_training_step_leaves_no_live_tensors_behind()
    {
        var model = new Gpt(GptConfig.Tiny(12), new Generator(3, CPU));
        using var trainer = new SftTrainer(model, new SftOptions(BatchSize: 2), 2, Pad);
        using var batch = TokenBatches.Sft([new([0, 5, 6], [8, 1]), new([0, 7], [9, 10, 1])], Pad, 16);
        trainer.Step(batch); // the first step creates AdamW's moment buffers, which live as long as the optimizer
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        trainer.Step(batch);
        trainer.Step(batch);
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void The_learning_rate_warms_up_linearly_then_decays_to_a_tenth()
    {
        var model = new Gpt(GptConfig.Tiny(12));
        using var trainer = new SftTrainer(model, new SftOptions(LearningRate: 1e-3, BatchSize: 1, Epochs: 110, WarmupSteps: 10), 1, Pad);
        Assert.Equal(1e-4, trainer.LearningRateAt(0), 10);
        Assert.Equal(1e-3, trainer.LearningRateAt(9), 10);
        Assert.Equal(0.55e-3, trainer.LearningRateAt(60), 10);   // half way through the cosine
        Assert.Equal(1e-4, trainer.LearningRateAt(110), 10);
    }

    [Fact]
    public void Bad_options_are_refused()
    {
        var model = new Gpt(GptConfig.Tiny(12));
        Assert.Throws<ArgumentException>(() => new SftTrainer(model, new SftOptions(LearningRate: 0), 4, Pad));
        Assert.Throws<ArgumentException>(() => new SftTrainer(model, new SftOptions(BatchSize: 0), 4, Pad));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SftTrainer(model, new SftOptions(), 0, Pad));
    }
}
