using CoopAgent.Agent.Belief;

namespace CoopAgent.Agent.Tests.Belief;

public class QuestionChooserTests
{
    // The cat case of the issue: states (food, pet), b(pet) = 0.01; actions cook, wait.
    private static DecisionProblem CatProblem(RiskAversion risk) =>
        new(["cook", "wait"], [[1.0, -1000.0], [0.0, 0.0]], risk);

    [Fact]
    public void Evpi_of_the_cat_case_is_0_99()
    {
        // Without information: E[cook] = 0.99 − 10 = −9.01 < E[wait] = 0, so wait (0).
        // With perfect information: food (0.99) → cook (+1), pet → wait (0): 0.99. EVPI = 0.99 − 0 = 0.99.
        var problem = CatProblem(RiskAversion.None);
        double[] belief = [0.99, 0.01];
        Assert.Equal(1, problem.Best(belief).Action);
        Assert.Equal(0.99, problem.Evpi(belief), 12);
    }

    [Fact]
    public void A_one_percent_catastrophe_justifies_a_question()
    {
        var chooser = new QuestionChooser(["food", "pet"]);
        var question = new Probe(ProbeKind.Question, "Is the cat food?", 0.1, ["yes", "no"], [[1.0, 0.0], [0.0, 1.0]]);
        var decision = chooser.Choose(CatProblem(RiskAversion.Default), [0.99, 0.01], [question]);

        Assert.Equal(DecisionKind.Ask, decision.Kind);
        Assert.Equal(0.99, decision.Evoi, 12);
        Assert.Contains("catastrophe", decision.Explanation);
        Assert.Contains("'pet'", decision.Explanation);
    }

    [Fact]
    public void Evoi_is_zero_when_every_hypothesis_shares_the_best_action_however_high_the_entropy()
    {
        // Eight equally likely hypotheses (entropy log 8): all prefer "serve tea", by different margins.
        var states = Enumerable.Range(0, 8).Select(i => $"h{i}").ToArray();
        var tea = states.Select((_, i) => 2.0 + i).ToArray();
        var coffee = states.Select((_, i) => 1.0 + (i * 0.5)).ToArray();
        var problem = new DecisionProblem(["serve tea", "serve coffee"], [tea, coffee], RiskAversion.Default);
        var belief = Enumerable.Repeat(1.0 / 8, 8).ToArray();

        Assert.Equal(Math.Log(8), RewardBelief.Uniform(states).Entropy(), 12);
        Assert.Equal(0.0, problem.Evpi(belief), 12);
        var decision = new QuestionChooser(states).Choose(problem, belief, [Probe.Perfect(8) with { Cost = 0.01 }]);
        Assert.Equal(DecisionKind.Act, decision.Kind);
        Assert.Equal(0, decision.BestAction);
        Assert.Contains("every hypothesis would choose it", decision.Explanation);
    }

    [Fact]
    public void A_question_worth_less_than_its_cost_is_not_asked()
    {
        // Coffee (0.9) vs tea (0.1), small stakes: EVPI = 0.1·1 = 0.1 < cost 0.3.
        var problem = new DecisionProblem(["coffee", "tea"], [[1.0, 0.0], [0.0, 1.0]], RiskAversion.None);
        var question = new Probe(ProbeKind.Question, "Coffee or tea?", 0.3, ["coffee", "tea"], [[1.0, 0.0], [0.0, 1.0]]);
        var decision = new QuestionChooser(["coffee", "tea"]).Choose(problem, [0.9, 0.1], [question]);

        Assert.Equal(DecisionKind.Act, decision.Kind);
        Assert.Equal(0.1, decision.Evoi, 12);
        Assert.Equal(0, decision.BestAction);
    }

    [Fact]
    public void A_cheaper_look_beats_a_question_that_buys_the_same_information()
    {
        var problem = new DecisionProblem(["coffee", "tea"], [[1.0, 0.0], [0.0, 1.0]], RiskAversion.None);
        double[][] perfect = [[1.0, 0.0], [0.0, 1.0]];
        var question = new Probe(ProbeKind.Question, "Coffee or tea?", 0.2, ["coffee", "tea"], perfect);
        var look = new Probe(ProbeKind.Look, "open cupboard", 0.05, ["coffee inside", "tea inside"], perfect);
        var decision = new QuestionChooser(["coffee", "tea"]).Choose(problem, [0.5, 0.5], [question, look]);

        Assert.Equal(DecisionKind.Look, decision.Kind);
        Assert.Same(look, decision.Probe);
        Assert.Equal(0.5, decision.Evoi, 12);
    }

    [Fact]
    public void A_noisy_answer_is_worth_less_than_a_perfect_one()
    {
        // Answers right 80% of the time: P(r = coffee | coffee) = 0.8. b = (0.5, 0.5), U = identity.
        // After "coffee": posterior (0.8, 0.2), value 0.8; P("coffee") = 0.5; symmetric → informed value 0.8.
        // EVOI = 0.8 − 0.5 = 0.3 (EVPI is 0.5).
        var problem = new DecisionProblem(["coffee", "tea"], [[1.0, 0.0], [0.0, 1.0]], RiskAversion.None);
        var noisy = new Probe(ProbeKind.Question, "Coffee or tea?", 0, ["coffee", "tea"], [[0.8, 0.2], [0.2, 0.8]]);
        Assert.Equal(0.3, problem.Evoi(noisy, [0.5, 0.5]), 12);
        Assert.Equal(0.5, problem.Evpi([0.5, 0.5]), 12);
    }

    [Fact]
    public void Risk_aversion_penalises_the_catastrophic_tail()
    {
        // V(cook) = 0.999·1 + 0.001·(−1000) − 1·0.001·1000 = 0.999 − 1 − 1 = −1.001 with λ = 1, c = −100.
        var problem = CatProblem(RiskAversion.Default);
        Assert.Equal(-1.001, problem.Value(0, [0.999, 0.001]), 12);
        Assert.Equal(-0.001, CatProblem(RiskAversion.None).Value(0, [0.999, 0.001]), 12);
    }

    [Fact]
    public void Split_groups_hypotheses_by_their_own_best_action()
    {
        var split = QuestionChooser.Split(CatProblem(RiskAversion.None));
        Assert.Equal(2, split.Count);
        Assert.Equal(0, split[0].Action);
        Assert.Equal([0], split[0].States);
        Assert.Equal(1, split[1].Action);
        Assert.Equal([1], split[1].States);
    }

    [Fact]
    public void Malformed_problems_and_probes_are_refused()
    {
        Assert.Throws<ArgumentException>(() => new DecisionProblem([], [], RiskAversion.None));
        Assert.Throws<ArgumentException>(() => new DecisionProblem(["a", "b"], [[1.0, 2.0], [1.0]], RiskAversion.None));
        var problem = CatProblem(RiskAversion.None);
        Assert.Throws<ArgumentException>(() => problem.Value(0, [1.0]));
        var wrong = new Probe(ProbeKind.Question, "?", 0, ["yes"], [[1.0, 0.0, 0.0]]);
        Assert.Throws<ArgumentException>(() => problem.Evoi(wrong, [0.5, 0.5]));
        Assert.Throws<ArgumentException>(() => new QuestionChooser(["only one"]).Choose(problem, [0.5, 0.5], []));
    }
}
