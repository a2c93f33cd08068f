namespace CoopAgent.Alignment.Training;

/// <summary>Running mean and variance of a stream of scores, merged batch by batch (Chan et al. 1979).</summary>
public sealed class RunningMoments
{
    private double _sumOfSquares;

    public long Count { get; private set; }

    public double Mean { get; private set; }

    /// <summary>Population standard deviation of everything seen so far (0 before two distinct values).</summary>
    public double StandardDeviation => Count == 0 ? 0 : Math.Sqrt(_sumOfSquares / Count);

    public void Update(IReadOnlyCollection<double> batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Count == 0)
        {
            return;
        }

        var batchMean = batch.Average();
        var batchSquares = batch.Sum(x => (x - batchMean) * (x - batchMean));
        var total = Count + batch.Count;
        var delta = batchMean - Mean;
        _sumOfSquares += batchSquares + (delta * delta * Count * batch.Count / total);
        Mean += delta * batch.Count / total;
        Count = total;
    }
}
