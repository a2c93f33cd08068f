using CoopAgent.Alignment.Curriculum;
using CoopAgent.Alignment.Generation;
using CoopAgent.Alignment.Models;
using CoopAgent.Alignment.Training;
using TorchSharp;

namespace CoopAgent.Alignment.Tests.Training;

public class PpoTrainerTests
{
    [Fact]
    public void Ppo_raises_the_toy_reward_to_most_of_its_maximum_with_bounded_kl()
    {
        var result = PpoToyTask.Run(new PpoToyOptions(Iterations: 15));

        // Start: the near-uniform policy puts ≈ 4/16 of its mass on the four rewarded tokens.
        Assert.InRange(result.RewardBefore, 0.1, 0.4);
        // Goal: at least 0.8 of the maximum reward 1.
        Assert.True(result.RewardAfter >= 0.8, $"reward after PPO {result.RewardAfter:F3} < 0.8");
        // KL bound: collapsing onto one rewarded token costs ≈ 6·ln 16 ≈ 16.6 nats against the near-uniform reference;
        // the KL-regularised optimum (β ≈ 0.03, per-token reward 1/6) keeps the spread over the four and costs ≈ 8.
        Assert.InRange(result.Kl, 0.5, 10.0);
        var last = result.History[^1];
        Assert.True(last.Entropy < result.History[0].Entropy, "the policy should sharpen");
        Assert.True(last.Entropy > 1.0, $"entropy {last.Entropy:F2}: the policy collapsed instead of keeping its spread over the rewarded tokens");
        Assert.All(result.History, s => Assert.InRange(s.ClipFraction, 0, 1));
        Assert.All(result.History, s => Assert.InRange(s.MeanResponseLength, 1, PpoToyTask.Window));
    }

    [Fact]
    public void The_missing_end_token_penalty_teaches_the_policy_to_finish()
    {
        // Every finished response scores 1; one cut off after 4 tokens gets the fixed penalty 0 instead. The random
        // policy emits <|eos|> within 4 tokens about 1 − (15/16)⁴ ≈ 23% of the time.
        var ppo = PpoToyTask.DefaultPpo(7) with { MaxNewTokens = 4, Shaping = new ScoreShaping(MissingEndTokenScore: 0) };
        using var trainer = Toy(out var actor, out var critic, ppo, new ConstantReward());

        var stats = Enumerable.Range(0, 12).Select(_ => trainer.Iteration()).ToList();

        Assert.InRange(stats[0].FinishedFraction, 0.05, 0.5);
        Assert.True(stats[^1].FinishedFraction >= 0.9, $"finished {stats[^1].FinishedFraction:F2} of the responses");
        Assert.All(stats, s => Assert.Equal(1.0, s.MeanScore)); // the raw score is logged, not the penalty
        actor.Dispose();
        critic.Dispose();
    }

    [Fact]
    public void An_iteration_leaves_no_live_tensors_behind()
    {
        using var trainer = Toy(out var actor, out var critic);
        trainer.Iteration(); // warm-up: Adam allocates its moment buffers on the first step
        DisposeScopeManager.Statistics.Reset();

        trainer.Iteration();

        Assert.Equal(0, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        actor.Dispose();
        critic.Dispose();
    }

    [Fact]
    public void Reference_stays_frozen_with_eta_zero_and_follows_the_actor_with_eta_one()
    {
        using var frozen = Toy(out var actor, out var critic);
        var before = frozen.Reference.parameters().Select(p => p.data<float>().ToArray()).ToList();
        frozen.Iteration();
        Assert.Equal(before, frozen.Reference.parameters().Select(p => p.data<float>().ToArray()).ToList());
        Assert.NotEqual(before, actor.parameters().Select(p => p.data<float>().ToArray()).ToList());

        using var following = Toy(out var actor2, out _, PpoToyTask.DefaultPpo(3) with { BatchSize = 8, MiniBatchSize = 8, Epochs = 1, ReferenceUpdateRate = 1.0 });
        following.Iteration();
        Assert.Equal(actor2.parameters().Select(p => p.data<float>().ToArray()), following.Reference.parameters().Select(p => p.data<float>().ToArray()));
        critic.Dispose();
    }

    [Fact]
    public void Training_log_probs_match_the_samplers_at_the_same_temperature()
    {
        using var generator = new torch.Generator(5);
        using var policy = new Gpt(PpoToyTask.ModelConfig, generator);
        int[][] prompts = [[1, 7], [1, 9, 10, 11]];
        int[][] responses = [[3, 4, 2], [5]];
        using var batch = ResponseBatch.Create(prompts, responses, PpoToyTask.PadToken);
        using var noGrad = torch.no_grad();

        var ours = batch.Evaluate(policy, temperature: 0.7).LogProbs;
        for (var b = 0; b < prompts.Length; b++)
        {
            // The sampler's LogProbs over one unpadded row: entry t scores token t + 1, so the response starts at P − 1.
            var row = torch.tensor(prompts[b].Concat(responses[b]).Select(t => (long)t).ToArray()).unsqueeze(0);
            var theirs = Sampler.LogProbs(policy, row, null, temperature: 0.7)[0, (prompts[b].Length - 1)..];
            TensorAssert.Close(theirs.to(torch.ScalarType.Float64).data<double>().ToArray(), ours[b, ..responses[b].Length], 1e-5);
        }

        Assert.Equal(0f, ours[1, 1..].abs().sum().item<float>()); // padding after the one-token response
    }

    [Fact]
    public void Bad_options_and_a_lying_reward_function_are_refused()
    {
        Assert.Throws<ArgumentException>(() => new PpoOptions(BatchSize: 10, MiniBatchSize: 4).Validate());
        Assert.Throws<ArgumentException>(() => new PpoOptions(ReferenceUpdateRate: 2).Validate());

        using var init = new torch.Generator(1);
        using var actor = new Gpt(PpoToyTask.ModelConfig, init);
        using var critic = new ScalarModel(PpoToyTask.ModelConfig, init);
        var prompts = new CurriculumSampler(PpoToyTask.Prompts(4, 1));
        using var trainer = new PpoTrainer(actor, critic, new ShortReward(), prompts, PpoToyTask.EndToken, PpoToyTask.PadToken,
            PpoToyTask.DefaultPpo(1) with { BatchSize = 4, MiniBatchSize = 4 });
        Assert.Throws<InvalidOperationException>(() => trainer.Iteration());
    }

    private static PpoTrainer Toy(out Gpt actor, out ScalarModel critic, PpoOptions? options = null, IRewardFunction? reward = null)
    {
        using var init = new torch.Generator(2);
        actor = new Gpt(PpoToyTask.ModelConfig, init);
        critic = new ScalarModel(PpoToyTask.ModelConfig, init);
        var prompts = new CurriculumSampler(PpoToyTask.Prompts(8, 2));
        return new PpoTrainer(actor, critic, reward ?? new TokenSetReward(PpoToyTask.TargetTokens, PpoToyTask.Window), prompts,
            PpoToyTask.EndToken, PpoToyTask.PadToken, options ?? PpoToyTask.DefaultPpo(2) with { BatchSize = 8, MiniBatchSize = 4, Epochs = 1 });
    }

    private sealed class ConstantReward : IRewardFunction
    {
        public IReadOnlyList<double> Score(IReadOnlyList<int[]> prompts, IReadOnlyList<int[]> responses) => responses.Select(_ => 1.0).ToArray();
    }

    private sealed class ShortReward : IRewardFunction
    {
        public IReadOnlyList<double> Score(IReadOnlyList<int[]> prompts, IReadOnlyList<int[]> responses) => [1.0];
    }
}
