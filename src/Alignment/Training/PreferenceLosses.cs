using TorchSharp;
using static TorchSharp.torch;

namespace CoopAgent.Alignment.Training;

/// <summary>The Bradley–Terry loss of a batch of rankings and its pairwise accuracy over strict pairs.</summary>
/// <param name="Loss">Scalar loss carrying the gradient.</param>
/// <param name="Correct">Strict pairs whose better response scored higher.</param>
/// <param name="StrictPairs">Strict (untied) pairs in the batch.</param>
public sealed record BradleyTerryResult(Tensor Loss, int Correct, int StrictPairs)
{
    public double Accuracy => StrictPairs == 0 ? double.NaN : (double)Correct / StrictPairs;
}

/// <summary>The DPO loss of a batch of preference pairs.</summary>
/// <param name="Loss">Scalar loss carrying the gradient.</param>
/// <param name="ChosenRewards">(B) implicit rewards β(log π(c) − log π_ref(c)).</param>
/// <param name="RejectedRewards">(B) implicit rewards β(log π(r) − log π_ref(r)).</param>
/// <param name="Margin">Mean implicit reward margin, chosen − rejected.</param>
/// <param name="Accuracy">Share of pairs whose chosen implicit reward is the larger.</param>
public sealed record DpoResult(Tensor Loss, Tensor ChosenRewards, Tensor RejectedRewards, double Margin, double Accuracy);

/// <summary>Losses learned from human preferences.</summary>
public static class PreferenceLosses
{
    /// <summary>
    /// Bradley–Terry over the pairs of K-way rankings with ties (Ouyang et al. 2022, eq. 1). Each ranking is one
    /// element: its pairs share weight 1/numPairs, and the batch loss is the mean over rankings.
    /// A strict pair (w better than l) contributes −log σ(r_w − r_l − margin).
    /// A tied pair contributes −½[log σ(r_a − r_b) + log σ(r_b − r_a)]: the cross-entropy of the Bradley–Terry
    /// probability σ(r_a − r_b) against the soft label ½ ("neither is preferred"). It is smallest (log 2) when the two
    /// scores are equal and pulls them together, so a tie is information, not noise. Dropping ties would waste every
    /// all-tied ranking and leave the scale between tied responses unconstrained. The margin applies to strict pairs only.
    /// </summary>
    /// <param name="scores">(N) scores of all responses, ranking after ranking, in each ranking's response order.</param>
    /// <param name="rankings">The rankings whose responses <paramref name="scores"/> covers.</param>
    /// <param name="margin">Required score gap for strict pairs (0 for none).</param>
    public static BradleyTerryResult BradleyTerry(Tensor scores, IReadOnlyList<Ranking> rankings, double margin = 0)
    {
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(rankings);
        if (rankings.Count == 0)
        {
            throw new ArgumentException("the batch holds no rankings.", nameof(rankings));
        }

        var responses = rankings.Sum(r => r.Responses.Count);
        if (scores.dim() != 1 || scores.size(0) != responses)
        {
            throw new ArgumentException($"scores must be (N) with N = {responses}, the responses of all rankings.", nameof(scores));
        }

        var better = new List<long>();
        var worse = new List<long>();
        var tied = new List<float>();
        var weight = new List<float>();
        var offset = 0;
        foreach (var ranking in rankings)
        {
            var pairs = ranking.Pairs();
            foreach (var pair in pairs)
            {
                better.Add(offset + pair.Better);
                worse.Add(offset + pair.Worse);
                tied.Add(pair.Tied ? 1f : 0f);
                weight.Add(1f / (pairs.Count * rankings.Count));
            }

            offset += ranking.Responses.Count;
        }

        using var scope = NewDisposeScope();
        var device = scores.device;
        var difference = scores[torch.tensor(better.ToArray(), device: device)] - scores[torch.tensor(worse.ToArray(), device: device)];
        var tie = torch.tensor(tied.ToArray(), device: device).to(scores.dtype);
        var strictTerm = -nn.functional.logsigmoid(difference - margin);
        var tieTerm = -0.5 * (nn.functional.logsigmoid(difference) + nn.functional.logsigmoid(-difference));
        var terms = (tie * tieTerm) + ((1 - tie) * strictTerm);
        var loss = (terms * torch.tensor(weight.ToArray(), device: device).to(scores.dtype)).sum();
        var correct = (int)(difference.gt(0).to(ScalarType.Float32) * (1 - tie.to(ScalarType.Float32))).sum().item<float>();
        var strictPairs = tied.Count(t => t == 0f);
        return new BradleyTerryResult(loss.MoveToOuterDisposeScope(), correct, strictPairs);
    }

    /// <summary>
    /// Direct preference optimisation (Rafailov et al. 2023, eq. 7):
    /// L = −log σ(β[(log π(c) − log π_ref(c)) − (log π(r) − log π_ref(r))]), averaged over the batch.
    /// Every argument is (B): summed log-probabilities of the whole response.
    /// </summary>
    public static DpoResult Dpo(Tensor policyChosen, Tensor policyRejected, Tensor referenceChosen, Tensor referenceRejected, double beta)
    {
        ArgumentNullException.ThrowIfNull(policyChosen);
        ArgumentNullException.ThrowIfNull(policyRejected);
        ArgumentNullException.ThrowIfNull(referenceChosen);
        ArgumentNullException.ThrowIfNull(referenceRejected);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(beta);
        using var scope = NewDisposeScope();
        var chosenRewards = beta * (policyChosen - referenceChosen);
        var rejectedRewards = beta * (policyRejected - referenceRejected);
        var logits = chosenRewards - rejectedRewards;
        var loss = -nn.functional.logsigmoid(logits).mean();
        double margin, accuracy;
        using (torch.no_grad())
        {
            margin = logits.mean().item<float>();
            accuracy = logits.gt(0).to(ScalarType.Float32).mean().item<float>();
        }

        return new DpoResult(loss.MoveToOuterDisposeScope(), chosenRewards.detach().MoveToOuterDisposeScope(),
            rejectedRewards.detach().MoveToOuterDisposeScope(), margin, accuracy);
    }
}
