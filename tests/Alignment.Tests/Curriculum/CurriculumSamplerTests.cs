using CoopAgent.Alignment.Curriculum;

namespace CoopAgent.Alignment.Tests.Curriculum;

public class CurriculumSamplerTests
{
    private static readonly int[][] Prompts = [[1], [2], [3], [4]];

    [Fact]
    public void Success_estimate_is_a_discounted_beta_posterior()
    {
        var sampler = new CurriculumSampler(Prompts, new CurriculumOptions(Decay: 0.9));
        Assert.Equal(0.5, sampler.EstimatedSuccess(0));       // Beta(1, 1)

        sampler.Record(0, success: true);                      // α = 1 + 0.9·0 + 1 = 2, β = 1 + 0.9·0 + 0 = 1
        Assert.Equal(2.0 / 3.0, sampler.EstimatedSuccess(0), 12);

        sampler.Record(0, success: false);                     // α = 1 + 0.9·1 = 1.9, β = 1 + 0.9·0 + 1 = 2
        Assert.Equal(1.9 / 3.9, sampler.EstimatedSuccess(0), 12);
        Assert.Equal(2, sampler.Observations(0));
    }

    [Fact]
    public void Draws_only_prompts_inside_the_band_once_all_are_seen()
    {
        var sampler = new CurriculumSampler(Prompts, new CurriculumOptions(ExploreProbability: 0, Seed: 3));
        for (var i = 0; i < 5; i++)
        {
            sampler.Record(0, true);                    // mastered: estimate → high
            sampler.Record(1, i % 2 == 0);              // about half: in band
            sampler.Record(2, false);                   // hopeless: estimate → low
            sampler.Record(3, i % 2 == 1);              // about half: in band
        }

        Assert.True(sampler.EstimatedSuccess(0) > 0.8 && sampler.EstimatedSuccess(2) < 0.2);
        var drawn = sampler.Draw(200).Select(d => d.Id).ToList();
        Assert.All(drawn, id => Assert.Contains(id, new[] { 1, 3 }));
        Assert.Contains(1, drawn);
        Assert.Contains(3, drawn);
    }

    [Fact]
    public void Unseen_prompts_are_explored_even_when_the_band_is_full()
    {
        var sampler = new CurriculumSampler(Prompts, new CurriculumOptions(ExploreProbability: 0.25, Seed: 1));
        sampler.Record(0, true);
        sampler.Record(0, false);                       // prompt 0 in band, 1–3 unseen
        var drawn = sampler.Draw(400).Select(d => d.Id).ToList();

        var explored = drawn.Count(id => id != 0);
        Assert.InRange(explored, 60, 140);              // ≈ 25% of 400 = 100
        Assert.Equal(Prompts[2], sampler.Draw(400).First(d => d.Id == 2).Tokens);
    }

    [Fact]
    public void With_nothing_in_band_and_nothing_unseen_every_prompt_can_be_drawn()
    {
        var sampler = new CurriculumSampler(Prompts, new CurriculumOptions(ExploreProbability: 0));
        for (var id = 0; id < Prompts.Length; id++)
        {
            foreach (var score in new[] { 0.0, 0.1, 0.2, 0.3, 0.4 })
            {
                sampler.Observe(id, score);              // below the 0.5 threshold: five failures
            }
        }

        Assert.All(Enumerable.Range(0, 4), id => Assert.True(sampler.EstimatedSuccess(id) < 0.2));
        Assert.Equal([0, 1, 2, 3], sampler.Draw(100).Select(d => d.Id).Distinct().Order());
    }

    [Fact]
    public void Same_seed_and_same_outcomes_give_the_same_draws()
    {
        CurriculumSampler Make()
        {
            var s = new CurriculumSampler(Prompts, new CurriculumOptions(Seed: 42));
            s.Record(1, true);
            s.Record(1, false);
            return s;
        }

        Assert.Equal(Make().Draw(50).Select(d => d.Id), Make().Draw(50).Select(d => d.Id));
        Assert.NotEqual(Make().Draw(50).Select(d => d.Id), new CurriculumSampler(Prompts, new CurriculumOptions(Seed: 7)).Draw(50).Select(d => d.Id));
    }

    [Fact]
    public void Bad_settings_and_unknown_prompts_are_refused()
    {
        Assert.Throws<ArgumentException>(() => new CurriculumSampler(Prompts, new CurriculumOptions(LowerBand: 0.9, UpperBand: 0.1)));
        Assert.Throws<ArgumentException>(() => new CurriculumSampler(Prompts, new CurriculumOptions(Decay: 0)));
        Assert.Throws<ArgumentException>(() => new CurriculumSampler([]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CurriculumSampler(Prompts).Record(4, true));
    }
}
