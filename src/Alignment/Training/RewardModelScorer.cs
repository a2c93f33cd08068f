using CoopAgent.Alignment.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace CoopAgent.Alignment.Training;

/// <summary>A trained reward model as PPO's <see cref="IRewardFunction"/>: the value at the response's last token.</summary>
public sealed class RewardModelScorer : IRewardFunction
{
    private readonly ScalarModel _model;
    private readonly int _padToken;

    public RewardModelScorer(ScalarModel model, int padToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
        _padToken = padToken;
    }

    public IReadOnlyList<double> Score(IReadOnlyList<int[]> prompts, IReadOnlyList<int[]> responses)
    {
        _model.eval();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return RewardTrainer.Scores(_model, prompts, responses, _padToken).cpu().data<float>().Select(s => (double)s).ToArray();
    }
}
