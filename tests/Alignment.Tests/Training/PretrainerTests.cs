using CoopAgent.Alignment.Models;
using CoopAgent.Alignment.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace CoopAgent.Alignment.Tests.Training;

public class PretrainerTests
{
    [Fact]
    public void Windows_overlap_by_one_so_every_token_is_a_target_once()
    {
        var windows = TokenBatches.Windows([0, 1, 2, 3, 4, 5, 6], 3).ToList();
        Assert.Equal([[0, 1, 2, 3], [3, 4, 5, 6]], windows);
        Assert.Equal([[0, 1, 2, 3], [3, 4]], TokenBatches.Windows([0, 1, 2, 3, 4], 3).ToList());
        Assert.Empty(TokenBatches.Windows([0], 3));
    }

    [Fact]
    public void Pretraining_batches_count_every_real_target_and_no_padding()
    {
        using var batch = TokenBatches.Pretraining([[0, 5, 6, 1], [0, 7]], padToken: 2);
        Assert.Equal(new long[] { 0, 5, 6, 0, 2, 2 }, batch.Inputs.data<long>().ToArray());
        Assert.Equal(new float[] { 1, 1, 1, 1, 0, 0 }, batch.LossMask.data<float>().ToArray());
    }

    [Fact]
    public void Pretraining_learns_a_repetitive_corpus_and_reports_progress()
    {
        torch.set_num_threads(1);
        // Documents: bos, a counting pattern mod 8 from a random start, eos. Predictable after the first token.
        var random = new Random(2);
        var documents = Enumerable.Range(0, 64).Select(_ =>
        {
            var start = random.Next(8);
            return new[] { 0 }.Concat(Enumerable.Range(0, 20).Select(i => 4 + ((start + i) % 8))).Append(1).ToArray();
        }).ToList();
        var model = new Gpt(new GptConfig(12, ContextLength: 16, Layers: 1, Heads: 2, Width: 32), new Generator(1, CPU));
        var reports = new List<TrainingProgress>();
        using var trainer = new Pretrainer(model, new PretrainOptions(LearningRate: 3e-3, BatchSize: 16, Steps: 80, WarmupSteps: 5), padToken: 2);
        var losses = trainer.Train(documents, new Progress(reports.Add));

        Assert.Equal(80, losses.Count);
        Assert.True(losses.TakeLast(5).Average() < 0.5, $"final loss {losses[^1]:F3}");
        Assert.True(losses[0] > 2.0, $"first loss {losses[0]:F3}");
        Assert.Equal(80, reports.Count);
        Assert.Equal(("pretrain", 80, 80), (reports[^1].Stage, reports[^1].Step, reports[^1].Total));
    }

    [Fact]
    public void An_empty_corpus_is_refused()
    {
        using var trainer = new Pretrainer(new Gpt(GptConfig.Tiny(12)), new PretrainOptions(Steps: 1), 2);
        Assert.Throws<ArgumentException>(() => trainer.Train([[0]]));
    }

    /// <summary>Synchronous IProgress (Progress&lt;T&gt; posts to the thread pool).</summary>
    private sealed class Progress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
