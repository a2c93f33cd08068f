using CoopAgent.Agent.Data;
using CoopAgent.Agent.Experiments;
using CoopAgent.Alignment.Curriculum;

namespace CoopAgent.Agent.Tests.Experiments;

public class TaskKindCurriculumTests
{
    // Prompts 0..5: kind "easy" (0, 2, 4) and kind "hard" (1, 3, 5).
    private static readonly int[][] Prompts = [.. Enumerable.Range(0, 6).Select(i => new[] { 1, 10 + i })];
    private static readonly string[] Kinds = [.. Enumerable.Range(0, 6).Select(i => i % 2 == 0 ? "easy" : "hard")];

    [Fact]
    public void Outcomes_are_pooled_per_kind_and_draws_follow_the_kind_at_the_edge_of_ability()
    {
        var curriculum = new TaskKindCurriculum(Prompts, Kinds, new CurriculumOptions(ExploreProbability: 0, Seed: 3));
        Assert.Equal(["easy", "hard"], curriculum.Kinds);

        // Every easy prompt succeeds: the easy kind leaves the band; hard prompts fail half the time and stay in it.
        for (var round = 0; round < 10; round++)
        {
            foreach (var id in new[] { 0, 2, 4 })
            {
                curriculum.Observe(id, 1.0);
            }

            curriculum.Observe(1, round % 2);
        }

        Assert.True(curriculum.EstimatedSuccess(0) > 0.9, $"easy {curriculum.EstimatedSuccess(0)}");
        Assert.InRange(curriculum.EstimatedSuccess(1), 0.3, 0.7);
        var draws = curriculum.Draw(60);
        Assert.All(draws, d => Assert.Equal("hard", Kinds[d.Id]));
        Assert.All(draws, d => Assert.Equal(Prompts[d.Id], d.Tokens));

        // Within the kind every member is drawn, not only the one observed.
        Assert.Equal([1, 3, 5], draws.Select(d => d.Id).Distinct().Order());
    }

    [Fact]
    public void The_same_seed_gives_the_same_draws()
    {
        var a = new TaskKindCurriculum(Prompts, Kinds, new CurriculumOptions(Seed: 5)).Draw(40).Select(d => d.Id);
        var b = new TaskKindCurriculum(Prompts, Kinds, new CurriculumOptions(Seed: 5)).Draw(40).Select(d => d.Id);
        Assert.Equal(a, b);
    }

    [Fact]
    public void Mismatched_kinds_empty_prompts_and_unknown_ids_are_refused()
    {
        Assert.Throws<ArgumentException>(() => new TaskKindCurriculum(Prompts, ["easy"]));
        Assert.Throws<ArgumentException>(() => new TaskKindCurriculum([], []));
        var curriculum = new TaskKindCurriculum(Prompts, Kinds);
        Assert.Throws<ArgumentOutOfRangeException>(() => curriculum.Observe(6, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => curriculum.Observe(-1, 1));
    }

    [Fact]
    public void The_kind_of_a_generated_prompt_names_the_request_the_category_and_the_turn()
    {
        var prompts = DataGenerator.PpoPrompts(40, 11);
        var kinds = prompts.Select(TaskKindCurriculum.KindOf).ToList();
        Assert.All(kinds, k => Assert.Equal(3, k.Split('/').Length));
        Assert.All(kinds, k => Assert.DoesNotContain("generated", k, StringComparison.Ordinal));
        Assert.Contains(kinds, k => k.EndsWith("/answered", StringComparison.Ordinal));
        Assert.Contains(kinds, k => k.EndsWith("/first", StringComparison.Ordinal));

        // Several kinds, each shared by several prompts: pooling has something to pool.
        var groups = kinds.GroupBy(k => k).ToList();
        Assert.InRange(groups.Count, 3, 30);
        Assert.Contains(groups, g => g.Count() > 1);
    }

    [Fact]
    public void A_uniform_share_sends_that_share_of_draws_past_the_band()
    {
        // Prompt 0 is mastered, 1 is in the band, 2 hopeless; with no exploring the pure curriculum draws only prompt 1.
        int[][] prompts = [[1, 3], [1, 4], [1, 5]];
        CurriculumSampler Trained(double share)
        {
            var sampler = new CurriculumSampler(prompts, new CurriculumOptions(ExploreProbability: 0, Seed: 2, UniformShare: share));
            for (var i = 0; i < 12; i++)
            {
                sampler.Record(0, true);
                sampler.Record(1, i % 2 == 0);
                sampler.Record(2, false);
            }

            return sampler;
        }

        Assert.All(Trained(0).Draw(200), d => Assert.Equal(1, d.Id));
        var mixed = Trained(0.5).Draw(2000);
        var outside = mixed.Count(d => d.Id != 1) / 2000.0;
        Assert.InRange(outside, 0.5 * 2 / 3 - 0.05, 0.5 * 2 / 3 + 0.05); // half the draws uniform, two thirds of those off prompt 1
        Assert.Throws<ArgumentException>(() => new CurriculumOptions(UniformShare: 1.5).Validate());
    }

    [Fact]
    public void Without_a_uniform_share_the_draws_are_those_of_the_original_sampler()
    {
        // The uniform coin is not tossed at share 0, so seeded runs made before the option existed draw the same prompts.
        int[][] prompts = [[1, 3], [1, 4], [1, 5], [1, 6]];
        var sampler = new CurriculumSampler(prompts, new CurriculumOptions(Seed: 9));
        var random = new Random(9);
        var first = sampler.Draw(1)[0].Id;
        _ = random.NextDouble(); // the explore coin
        Assert.Equal(random.Next(4), first); // every prompt unseen: a uniform pick among them
    }
}

public class HouseholdRunTests
{
    [Fact]
    public void The_last_third_averages_the_same_share_of_iterations_for_every_batch_size()
    {
        // 6 iterations of 32, 12 of 16 and 3 of 64 rollouts: the last 2, 4 and 1 iterations, 64 rollouts each.
        Assert.Equal(5.5, CoopAgent.Agent.Experiments.HouseholdRun.LastThird([1, 2, 3, 4, 5, 6]), 12);
        Assert.Equal(10.5, CoopAgent.Agent.Experiments.HouseholdRun.LastThird([.. Enumerable.Range(1, 12).Select(i => (double)i)]), 12);
        Assert.Equal(3.0, CoopAgent.Agent.Experiments.HouseholdRun.LastThird([1, 2, 3]), 12);
        Assert.Equal(7.0, CoopAgent.Agent.Experiments.HouseholdRun.LastThird([7]), 12);
        Assert.Throws<InvalidOperationException>(() => CoopAgent.Agent.Experiments.HouseholdRun.LastThird([]));
    }
}
