using CoopAgent.Alignment.Models;
using CoopAgent.Alignment.Training;
using TorchSharp;

namespace CoopAgent.Alignment.Tests.Training;

public class RewardTrainerTests
{
    private const int Pad = 0;
    private const int Liked = 5;
    private static readonly GptConfig Config = new(16, ContextLength: 16, Layers: 1, Heads: 2, Width: 32);

    /// <summary>K = 3 responses of four ordinary tokens; the hidden preference: more of token 5 is better, equal counts tie.</summary>
    private static List<Ranking> Rankings(int count, int seed)
    {
        var random = new Random(seed);
        var rankings = new List<Ranking>();
        for (var i = 0; i < count; i++)
        {
            var responses = Enumerable.Range(0, 3)
                .Select(_ => Enumerable.Range(0, 4).Select(_ => random.NextDouble() < 0.3 ? Liked : random.Next(3, 16)).ToArray())
                .ToArray();
            var counts = responses.Select(r => r.Count(t => t == Liked)).ToArray();
            var ranks = counts.Select(c => counts.Distinct().Count(other => other > c)).ToArray(); // dense ranks, ties share
            rankings.Add(new Ranking([1], responses, ranks));
        }

        return rankings;
    }

    [Fact]
    public void Reward_model_learns_a_hidden_preference_to_90_percent_held_out_accuracy()
    {
        using var init = new torch.Generator(11);
        using var model = new ScalarModel(Config, init);
        using var trainer = new RewardTrainer(model, Pad, new RewardOptions(BatchSize: 8, Epochs: 6, LearningRate: 3e-3, Seed: 11));
        var train = Rankings(240, seed: 1);
        var heldOut = Rankings(80, seed: 2);
        Assert.Contains(train, r => r.Pairs().Any(p => p.Tied)); // the data has ties, and they enter the loss

        var before = trainer.Evaluate(heldOut);
        var epochs = trainer.Train(train);
        var after = trainer.Evaluate(heldOut);

        Assert.True(after.Accuracy >= 0.9, $"held-out pairwise accuracy {after.Accuracy:F3} < 0.9 (before: {before.Accuracy:F3})");
        Assert.True(after.Loss < before.Loss);
        Assert.True(epochs[^1].Loss < epochs[0].Loss);
    }

    [Fact]
    public void Training_reports_every_step_and_epoch_and_stops_when_cancelled()
    {
        using var init = new torch.Generator(3);
        using var model = new ScalarModel(Config, init);
        using var trainer = new RewardTrainer(model, Pad, new RewardOptions(BatchSize: 8, Epochs: 2, LearningRate: 1e-3, Seed: 3));
        var steps = new List<int>();
        var epochs = new List<int>();
        trainer.Train(Rankings(20, seed: 5), (step, stats) => { Assert.False(double.IsNaN(stats.Loss)); steps.Add(step); }, epochs.Add);
        Assert.Equal(Enumerable.Range(1, 6), steps); // 20 rankings in batches of 8: 3 steps an epoch
        Assert.Equal([1, 2], epochs);

        using var cancelled = new CancellationTokenSource();
        var taken = 0;
        Assert.Throws<OperationCanceledException>(() => trainer.Train(Rankings(20, seed: 6), (_, _) => { if (++taken == 2) { cancelled.Cancel(); } }, null, cancelled.Token));
        Assert.Equal(2, taken);
    }

    [Fact]
    public void Reward_model_scorer_reads_the_value_at_the_last_token_whatever_the_padding()
    {
        using var init = new torch.Generator(3);
        using var model = new ScalarModel(Config, init);
        var scorer = new RewardModelScorer(model, Pad);

        var alone = scorer.Score([[1, 4]], [[6, 7, 2]])[0];
        var batched = scorer.Score([[1, 4], [1, 8, 9, 10, 11]], [[6, 7, 2], [3]]);

        Assert.Equal(alone, batched[0], 5);
        using var noGrad = torch.no_grad();
        var direct = model.forward(torch.tensor(new long[] { 1, 4, 6, 7, 2 }).unsqueeze(0), null)[0, -1].item<float>();
        Assert.Equal(direct, alone, 5);
    }

    [Fact]
    public void A_reward_step_leaves_no_live_tensors_behind()
    {
        using var model = new ScalarModel(Config, new torch.Generator(8));
        using var trainer = new RewardTrainer(model, Pad);
        var batch = Rankings(4, seed: 8);
        trainer.Step(batch); // warm-up: the optimizer allocates its state on the first step
        DisposeScopeManager.Statistics.Reset();

        trainer.Step(batch);
        trainer.Evaluate(batch);

        Assert.Equal(0, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void Reward_trainer_refuses_empty_input_and_bad_options()
    {
        using var model = new ScalarModel(Config);
        using var trainer = new RewardTrainer(model, Pad);
        Assert.Throws<ArgumentException>(() => trainer.Train([]));
        Assert.Throws<ArgumentException>(() => RewardTrainer.Scores(model, [[1]], [], Pad));
        Assert.Throws<ArgumentException>(() => new RewardTrainer(model, Pad, new RewardOptions(LearningRate: 0)));
    }
}
