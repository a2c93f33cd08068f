using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace CoopAgent.Alignment.Models;

/// <summary>The GPT trunk with a scalar head (<c>score</c>: Linear(C, 1)): one value per position. PPO's
/// critic reads every position; the reward model reads the position of the response's last token.</summary>
public sealed class ScalarModel : nn.Module<Tensor, Tensor?, Tensor>
{
    [ComponentName(Name = "transformer")]
    private readonly GptTrunk _trunk;
    [ComponentName(Name = "score")]
    private readonly Linear _head;

    public ScalarModel(GptConfig config, Generator? generator = null) : base("scalar_model")
    {
        _trunk = new GptTrunk(config);
        _head = nn.Linear(config.Width, 1);
        RegisterComponents();
        _trunk.Initialise(generator);
        using var noGrad = no_grad();
        // A small head starts every value near zero, so the first PPO value losses are not dominated by noise.
        _head.weight!.normal_(0.0, 1.0 / Math.Sqrt(config.Width + 1.0), generator);
        nn.init.zeros_(_head.bias!);
    }

    public GptConfig Config => _trunk.Config;

    public GptTrunk Trunk => _trunk;

    /// <param name="tokens">(B, T) token ids, left-padded.</param>
    /// <param name="attentionMask">(B, T), nonzero for real tokens; null means no padding.</param>
    /// <returns>(B, T) scalar per position.</returns>
    public override Tensor forward(Tensor tokens, Tensor? attentionMask)
    {
        using var scope = NewDisposeScope();
        var hidden = _trunk.Forward(tokens, attentionMask);                   // (B, T, C)
        return _head.forward(hidden).squeeze(-1).MoveToOuterDisposeScope();  // (B, T)
    }

    /// <summary>Copies the trunk weights of a (pretrained or SFT) policy: the usual start for critic and reward model.</summary>
    /// <exception cref="ArgumentException">The two configurations differ in shape.</exception>
    public void InitialiseFrom(Gpt policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        if (policy.Config with { Dropout = Config.Dropout, TieWeights = Config.TieWeights } != Config)
        {
            throw new ArgumentException($"cannot initialise a scalar model of shape {Config} from a policy of shape {policy.Config}.", nameof(policy));
        }

        using var noGrad = no_grad();
        var source = policy.Trunk.state_dict();
        foreach (var (name, parameter) in _trunk.state_dict())
        {
            parameter.copy_(source[name]);
        }
    }
}
