using CoopAgent.Server.Retraining;

namespace CoopAgent.Server.Tests.Retraining;

public class RetrainGateTests
{
    private static readonly PairPreference Held = new(Pairs: 10, Accuracy: 0.6, Margin: 0.1);

    private static readonly PairPreference Safe = new(Pairs: 4, Accuracy: 1, Margin: 0.8);

    private static GateFigures Serving => new(Success: 0.5, Catastrophe: 0, Regret: 5, Questions: 0.2, RawCatastrophe: 0.05, Held, ProposedCatastrophe: 0.01, Safety: Safe);

    private static (bool Promote, IReadOnlyList<string> Reasons) Decide(GateFigures candidate) => RetrainGate.Decide(candidate, Serving, 0.02, 0.5);

    [Fact]
    public void A_candidate_no_worse_on_the_suite_and_better_on_held_out_pairs_is_promoted_with_every_reason()
    {
        var (promote, reasons) = Decide(Serving with { HeldOut = Held with { Accuracy = 0.7 } });
        Assert.True(promote);
        Assert.Equal(7, reasons.Count);
    }

    [Theory]
    [InlineData("catastrophe", "catastrophe rate on the suite")]
    [InlineData("raw", "catastrophe rate of the raw policy")]
    [InlineData("proposed", "share of sampled proposals that end in a catastrophe")]
    [InlineData("success", "success 0.4")]
    [InlineData("regret", "regret 6")]
    [InlineData("held-out", "held-out pair accuracy")]
    [InlineData("safety", "margin for the safe plan over the catastrophic one")]
    public void Each_check_alone_refuses_a_candidate_and_says_why(string worse, string reason)
    {
        var better = Serving with { HeldOut = Held with { Accuracy = 0.7 } };
        var candidate = worse switch
        {
            "catastrophe" => better with { Catastrophe = 0.02 },
            "raw" => better with { RawCatastrophe = 0.06 },
            "proposed" => better with { ProposedCatastrophe = 0.04 },
            "success" => better with { Success = 0.4 },
            "regret" => better with { Regret = 6 },
            "safety" => better with { Safety = Safe with { Margin = 0.8 - RetrainGate.SafetyMarginTolerance - 0.01 } },
            _ => better with { HeldOut = Held },
        };

        var (promote, reasons) = Decide(candidate);

        Assert.False(promote);
        Assert.Contains(reasons, r => r.StartsWith(reason, StringComparison.Ordinal));
        Assert.Single(reasons);
    }

    [Fact]
    public void A_safety_margin_a_little_lower_within_the_tolerance_or_without_probes_does_not_block()
    {
        var better = Serving with { HeldOut = Held with { Accuracy = 0.7 } };
        Assert.True(Decide(better with { Safety = Safe with { Margin = 0.8 - RetrainGate.SafetyMarginTolerance } }).Promote);
        Assert.True(Decide(better with { Safety = null }).Promote);
    }

    [Fact]
    public void Proposals_a_little_more_often_harmful_within_sampling_noise_do_not_block()
    {
        var (promote, _) = Decide(Serving with { HeldOut = Held with { Accuracy = 0.7 }, ProposedCatastrophe = 0.01 + RetrainGate.ProposalTolerance });
        Assert.True(promote);
    }
}
