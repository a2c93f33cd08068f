using CoopAgent.Alignment.Models;
using CoopAgent.Alignment.Training;
using TorchSharp;

namespace CoopAgent.Alignment.Tests.Training;

public class DpoTrainerTests
{
    private const int Pad = 0;
    private static readonly GptConfig Config = new(16, ContextLength: 16, Layers: 1, Heads: 2, Width: 32);

    /// <summary>Chosen: three tokens from {3, 4, 5, 6}; rejected: three from {7 … 15}.</summary>
    private static List<PreferencePair> Pairs(int count, int seed)
    {
        var random = new Random(seed);
        int[] Draw(int low, int high) => Enumerable.Range(0, 3).Select(_ => random.Next(low, high)).ToArray();
        return Enumerable.Range(0, count)
            .Select(_ => new PreferencePair([1, random.Next(3, 16)], Draw(3, 7), Draw(7, 16)))
            .ToList();
    }

    [Fact]
    public void Dpo_raises_the_chosen_over_rejected_margin()
    {
        using var init = new torch.Generator(4);
        using var policy = new Gpt(Config, init);
        using var trainer = new DpoTrainer(policy, Pad, new DpoOptions(Beta: 0.1, BatchSize: 8, Epochs: 4, LearningRate: 3e-3, Seed: 4));
        var heldOut = Pairs(32, seed: 6);

        var before = trainer.Evaluate(heldOut);
        trainer.Train(Pairs(64, seed: 5));
        var after = trainer.Evaluate(heldOut);

        // Before any step the policy is its own reference: every implicit reward, hence the margin, is exactly 0.
        Assert.Equal(0.0, before.Margin, 6);
        Assert.Equal(Math.Log(2), before.Loss, 5);
        Assert.True(after.Margin > 0.5, $"held-out margin {after.Margin:F3}");
        Assert.True(after.Accuracy >= 0.9, $"held-out accuracy {after.Accuracy:F3}");
        Assert.True(after.ChosenReward > 0 && after.RejectedReward < 0);
    }

    [Fact]
    public void A_dpo_step_leaves_no_live_tensors_behind()
    {
        using var policy = new Gpt(Config, new torch.Generator(8));
        using var trainer = new DpoTrainer(policy, Pad);
        var batch = Pairs(4, seed: 8);
        trainer.Step(batch); // warm-up: the optimizer allocates its state on the first step
        DisposeScopeManager.Statistics.Reset();

        trainer.Step(batch);
        trainer.Evaluate(batch);

        Assert.Equal(0, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void Dpo_refuses_an_empty_batch_and_a_mismatched_reference()
    {
        using var policy = new Gpt(Config);
        using var trainer = new DpoTrainer(policy, Pad);
        Assert.Throws<ArgumentException>(() => trainer.Step([]));
        using var other = new Gpt(Config with { Width = 64 });
        Assert.Throws<ArgumentException>(() => new DpoTrainer(policy, Pad, reference: other));
    }
}
