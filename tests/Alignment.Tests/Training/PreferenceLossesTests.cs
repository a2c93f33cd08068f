using CoopAgent.Alignment.Training;
using TorchSharp;
using static CoopAgent.Alignment.Tests.Training.TensorAssert;

namespace CoopAgent.Alignment.Tests.Training;

public class PreferenceLossesTests
{
    private static readonly int[] Prompt = [1];

    private static Ranking Rank(params int[] ranks) =>
        new(Prompt, ranks.Select(r => new[] { r + 10 }).ToArray(), ranks);

    private static double MinusLogSigmoid(double x) => Math.Log(1 + Math.Exp(-x));

    [Fact]
    public void Bradley_terry_with_ties_matches_hand_computed_values()
    {
        // Ranking A: three responses, the second and third tied (ranks 0, 1, 1), scores 2, 0, 1.
        // Ranking B: two responses, the second better (ranks 1, 0), scores 0.5, 0.5.
        var rankings = new[] { Rank(0, 1, 1), Rank(1, 0) };
        var scores = torch.tensor(new[] { 2f, 0f, 1f, 0.5f, 0.5f });

        var result = PreferenceLosses.BradleyTerry(scores, rankings);

        // A: (0 ≻ 1): −log σ(2) = 0.1269280; (0 ≻ 2): −log σ(1) = 0.3132617;
        //    (1 ~ 2): −½[log σ(−1) + log σ(1)] = ½(1.3132617 + 0.3132617) = 0.8132617; mean of 3 pairs = 0.4178171.
        // B: (1 ≻ 0): −log σ(0) = log 2 = 0.6931472.
        // Batch = mean over rankings = (0.4178171 + 0.6931472)/2 = 0.5554822.
        var expectedA = (MinusLogSigmoid(2) + MinusLogSigmoid(1) + (0.5 * (MinusLogSigmoid(-1) + MinusLogSigmoid(1)))) / 3;
        Assert.Equal(0.4178171, expectedA, 6);
        Close(0.5554822, result.Loss);
        // Strict pairs: 2 > 0 ✓, 2 > 1 ✓, 0.5 > 0.5 ✗ → 2 of 3.
        Assert.Equal(2, result.Correct);
        Assert.Equal(3, result.StrictPairs);
    }

    [Fact]
    public void Margin_applies_to_strict_pairs_only()
    {
        var strict = PreferenceLosses.BradleyTerry(torch.tensor(new[] { 0.5f, 0.5f }), [Rank(1, 0)], margin: 1);
        Close(MinusLogSigmoid(-1), strict.Loss); // −log σ(0 − 1) = 1.3132617

        var tie = PreferenceLosses.BradleyTerry(torch.tensor(new[] { 0.5f, 0.5f }), [Rank(0, 0)], margin: 1);
        Close(Math.Log(2), tie.Loss);             // −½[log σ(0) + log σ(0)] = log 2: the margin does not enter
        Assert.True(double.IsNaN(tie.Accuracy));  // no strict pair to be right about
    }

    [Fact]
    public void A_tie_pulls_the_two_scores_together()
    {
        var scores = torch.tensor(new[] { 0f, 1f }).requires_grad_();
        PreferenceLosses.BradleyTerry(scores, [Rank(0, 0)]).Loss.backward();
        // d/dr_a of −½[log σ(r_a − r_b) + log σ(r_b − r_a)] = ½(σ(d) − σ(−d)) with d = r_a − r_b = −1:
        // ½(0.2689414 − 0.7310586) = −0.2310586 for r_a, and the opposite for r_b.
        Close([-0.2310586, 0.2310586], scores.grad!);
    }

    [Fact]
    public void Rankings_expand_into_oriented_pairs_and_reject_bad_input()
    {
        var ranking = Rank(2, 0, 2);
        Assert.Equal([new RankedPair(1, 0, false), new RankedPair(0, 2, true), new RankedPair(1, 2, false)], ranking.Pairs());
        Assert.Equal(2, ranking.ToPreferencePairs().Count());

        Assert.Throws<ArgumentException>(() => new Ranking(Prompt, [[1]], [0]));
        Assert.Throws<ArgumentException>(() => new Ranking(Prompt, [[1], [2]], [0]));
        Assert.Throws<ArgumentException>(() => new Ranking(Prompt, [[1], [2]], [0, -1]));
        Assert.Throws<ArgumentException>(() => PreferenceLosses.BradleyTerry(torch.tensor(new[] { 1f }), [Rank(0, 1)]));
    }

    [Fact]
    public void Dpo_loss_matches_hand_computed_values()
    {
        // β = 0.1. Pair 0: chosen −10 vs ref −11 → +0.1; rejected −12 vs ref −11 → −0.1; logit 0.2.
        // Pair 1: chosen −5 vs ref −4 → −0.1; rejected −5 vs ref −6 → +0.1; logit −0.2.
        var result = PreferenceLosses.Dpo(
            policyChosen: torch.tensor(new[] { -10f, -5f }),
            policyRejected: torch.tensor(new[] { -12f, -5f }),
            referenceChosen: torch.tensor(new[] { -11f, -4f }),
            referenceRejected: torch.tensor(new[] { -11f, -6f }),
            beta: 0.1);

        // loss = ½[−log σ(0.2) − log σ(−0.2)] = ½(0.5981389 + 0.7981389) = 0.6981389
        Close(0.6981389, result.Loss);
        Close([0.1, -0.1], result.ChosenRewards);
        Close([-0.1, 0.1], result.RejectedRewards);
        Assert.Equal(0.0, result.Margin, 6);
        Assert.Equal(0.5, result.Accuracy, 6);
    }
}
