using CoopAgent.Agent.Baselines;

namespace CoopAgent.Agent.Tests.Baselines;

public class ConformalPredictionSetTests
{
    [Fact]
    public void Quantile_is_the_ceil_n_plus_1_times_coverage_order_statistic()
    {
        // n = 9 scores of the correct option; ε = 0.2 → rank ⌈10·0.8⌉ = 8; nonconformity sorted:
        // 0.05 0.1 0.2 0.3 0.4 0.5 0.6 0.7 0.9 → 8th = 0.7 → keep options scoring ≥ 0.3.
        double[] scores = [0.95, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.1];
        var conformal = ConformalPredictionSet.Calibrate(scores, 0.2);
        Assert.Equal(0.7, conformal.Quantile, 12);
        Assert.Equal([0, 1], conformal.PredictionSet([0.6, 0.35, 0.05]));
        Assert.Equal([0], conformal.PredictionSet([0.9, 0.1, 0.0]));
    }

    [Fact]
    public void Too_small_a_split_for_the_coverage_keeps_every_option()
    {
        // n = 3, ε = 0.1 → rank ⌈4·0.9⌉ = 4 > 3: no finite quantile, so the set is everything.
        var conformal = ConformalPredictionSet.Calibrate([0.9, 0.8, 0.7], 0.1);
        Assert.Equal(1.0, conformal.Quantile);
        Assert.Equal(3, conformal.PredictionSet([1.0, 0.0, 0.0]).Count);
    }

    [Fact]
    public void Coverage_holds_on_exchangeable_synthetic_data()
    {
        // Scores of the correct option drawn from one distribution for calibration and test: the share of
        // test examples whose correct option falls in the set is at least 1 − ε (up to sampling noise).
        var random = new Random(7);
        double Draw() => Math.Pow(random.NextDouble(), 0.5);
        var conformal = ConformalPredictionSet.Calibrate(Enumerable.Range(0, 400).Select(_ => Draw()).ToArray(), 0.1);
        var covered = Enumerable.Range(0, 2000).Count(_ =>
        {
            var correct = Draw();
            return conformal.PredictionSet([correct, 1 - correct]).Contains(0);
        });
        Assert.InRange(covered / 2000.0, 0.87, 1.0);
    }

    [Fact]
    public void Bad_calibration_input_is_refused()
    {
        Assert.Throws<ArgumentException>(() => ConformalPredictionSet.Calibrate([], 0.1));
        Assert.Throws<ArgumentException>(() => ConformalPredictionSet.Calibrate([1.5], 0.1));
        Assert.Throws<ArgumentOutOfRangeException>(() => ConformalPredictionSet.Calibrate([0.5], 0));
    }
}
