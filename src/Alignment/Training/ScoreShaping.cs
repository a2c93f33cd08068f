namespace CoopAgent.Alignment.Training;

/// <summary>
/// What happens to the raw sequence scores before they become the reward on the end-token action:
/// optional running normalisation, optional clipping, and the treatment of responses that never emitted
/// the end token.
/// </summary>
/// <param name="Normalize">Standardise scores with the running mean and deviation of all scores seen so far.</param>
/// <param name="Clip">When set, clip (normalised) scores into [−Clip, Clip].</param>
/// <param name="MissingEndTokenScore">
/// When set, a response cut off at the length limit gets this fixed score instead of the scorer's. Why: the
/// reward model was trained on finished responses and its score of a fragment is an extrapolation the policy
/// can exploit (rambling until the budget runs out), and an unfinished plan or reply is not something the
/// household can act on. A fixed low score teaches the policy to finish, without feeding these fragments into the
/// running score statistics. Null scores truncated responses like any other (for tasks judged on a fixed window).
/// </param>
public sealed record ScoreShaping(bool Normalize = false, double? Clip = null, double? MissingEndTokenScore = -1.0)
{
    /// <summary>Applies the shaping to one batch; <paramref name="moments"/> is updated with the finished responses' scores.</summary>
    /// <param name="scores">Raw scores from the <see cref="IRewardFunction"/>, one per response.</param>
    /// <param name="endedWithEndToken">Whether each response emitted the end token.</param>
    /// <param name="moments">Running statistics kept by the trainer across iterations.</param>
    public double[] Apply(IReadOnlyList<double> scores, IReadOnlyList<bool> endedWithEndToken, RunningMoments moments)
    {
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(endedWithEndToken);
        ArgumentNullException.ThrowIfNull(moments);
        if (scores.Count != endedWithEndToken.Count)
        {
            throw new ArgumentException($"{scores.Count} scores for {endedWithEndToken.Count} responses.", nameof(endedWithEndToken));
        }

        if (Clip is <= 0)
        {
            throw new InvalidOperationException($"{nameof(Clip)} must be positive (got {Clip}).");
        }

        var penalised = Enumerable.Range(0, scores.Count).Select(i => MissingEndTokenScore is not null && !endedWithEndToken[i]).ToArray();
        var judged = scores.Where((_, i) => !penalised[i]).ToArray();
        if (Normalize)
        {
            moments.Update(judged);
        }

        var shaped = new double[scores.Count];
        for (var i = 0; i < scores.Count; i++)
        {
            if (penalised[i])
            {
                shaped[i] = MissingEndTokenScore!.Value;
                continue;
            }

            var score = scores[i];
            if (Normalize)
            {
                var deviation = moments.StandardDeviation;
                score = (score - moments.Mean) / (deviation > 1e-8 ? deviation : 1.0);
            }

            shaped[i] = Clip is { } c ? Math.Clamp(score, -c, c) : score;
        }

        return shaped;
    }
}
