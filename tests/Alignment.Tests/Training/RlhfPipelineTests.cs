using CoopAgent.Alignment.Curriculum;
using CoopAgent.Alignment.Generation;
using CoopAgent.Alignment.Models;
using CoopAgent.Alignment.Training;
using TorchSharp;
using Xunit.Abstractions;

namespace CoopAgent.Alignment.Tests.Training;

public class RlhfPipelineTests(ITestOutputHelper output)
{
    /// <summary>The whole loop on the toy task: rankings → reward model → PPO on the reward model's scores, judged by
    /// the hidden reward the rankings came from.</summary>
    [Fact]
    public void Ppo_on_a_learned_reward_model_raises_the_hidden_reward()
    {
        // Hidden preference: the share of rewarded tokens in a 6-token response (the toy task's programmatic reward).
        var hidden = new TokenSetReward(PpoToyTask.TargetTokens, PpoToyTask.Window);
        var random = new Random(21);
        var prompts = PpoToyTask.Prompts(32, seed: 21);
        var rankings = new List<Ranking>();
        for (var i = 0; i < 200; i++)
        {
            var prompt = prompts[random.Next(prompts.Count)];
            var responses = Enumerable.Range(0, 3).Select(_ =>
            {
                var share = random.NextDouble();
                return Enumerable.Range(0, PpoToyTask.Window)
                    .Select(_ => random.NextDouble() < share ? PpoToyTask.TargetTokens[random.Next(4)] : random.Next(7, PpoToyTask.VocabSize))
                    .ToArray();
            }).ToArray();
            var utility = hidden.Score(responses.Select(_ => prompt).ToList(), responses);
            var ranks = utility.Select(u => utility.Distinct().Count(other => other > u)).ToArray();
            rankings.Add(new Ranking(prompt, responses, ranks));
        }

        using var init = new torch.Generator(21);
        using var rewardModel = new ScalarModel(PpoToyTask.ModelConfig, init);
        using (var rewardTrainer = new RewardTrainer(rewardModel, PpoToyTask.PadToken, new RewardOptions(Epochs: 5, LearningRate: 3e-3, Seed: 21)))
        {
            rewardTrainer.Train(rankings[..160]);
            var heldOut = rewardTrainer.Evaluate(rankings[160..]);
            output.WriteLine($"reward model, held out: {heldOut}");
            Assert.True(heldOut.Accuracy >= 0.9, $"reward model held-out accuracy {heldOut.Accuracy:F3}");
        }

        using var actor = new Gpt(PpoToyTask.ModelConfig, init);
        using var critic = new ScalarModel(PpoToyTask.ModelConfig, init);
        var ppo = PpoToyTask.DefaultPpo(21) with { Shaping = new ScoreShaping(Normalize: true, Clip: 3, MissingEndTokenScore: null) };
        using var trainer = new PpoTrainer(actor, critic, new RewardModelScorer(rewardModel, PpoToyTask.PadToken),
            new CurriculumSampler(prompts), PpoToyTask.EndToken, PpoToyTask.PadToken, ppo);
        double Hidden()
        {
            using var generator = new torch.Generator(5);
            var sampled = new Sampler(actor, PpoToyTask.EndToken, PpoToyTask.PadToken)
                .Generate(prompts, new SamplingOptions(PpoToyTask.Window), generator).Select(s => s.Tokens).ToList();
            return hidden.Score(prompts, sampled).Average();
        }

        var before = Hidden();
        for (var i = 0; i < 15; i++)
        {
            trainer.Iteration();
        }

        var after = Hidden();
        output.WriteLine($"hidden reward before PPO {before:F3}, after {after:F3}");
        Assert.True(after >= 0.8, $"hidden reward after PPO on the learned reward model: {after:F3}");
        Assert.True(after - before >= 0.4);
    }
}
