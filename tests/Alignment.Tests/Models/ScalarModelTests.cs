using CoopAgent.Alignment.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace CoopAgent.Alignment.Tests.Models;

public class ScalarModelTests
{
    [Fact]
    public void Gives_one_value_per_position()
    {
        using var scope = NewDisposeScope();
        var model = new ScalarModel(GptConfig.Tiny(50), new Generator(1, CPU));
        var values = model.forward(ones(2, 6, ScalarType.Int64), null);
        Assert.Equal(new long[] { 2, 6 }, values.shape);
    }

    [Fact]
    public void Initialising_from_a_policy_copies_the_trunk_exactly()
    {
        using var scope = NewDisposeScope();
        var policy = new Gpt(GptConfig.Tiny(50), new Generator(1, CPU));
        var critic = new ScalarModel(GptConfig.Tiny(50), new Generator(2, CPU));
        policy.eval();
        critic.eval();
        var tokens = randint(0, 50, [2, 5], dtype: ScalarType.Int64);
        Assert.NotEqual(0f, (policy.Trunk.Forward(tokens) - critic.Trunk.Forward(tokens)).abs().max().item<float>());

        critic.InitialiseFrom(policy);

        Assert.Equal(0f, (policy.Trunk.Forward(tokens) - critic.Trunk.Forward(tokens)).abs().max().item<float>());
        // The copy is of values, not shared tensors: training the critic must not move the policy.
        Assert.False(ReferenceEquals(policy.Trunk.parameters().First(), critic.Trunk.parameters().First()));
    }

    [Fact]
    public void Initialising_from_a_policy_of_another_shape_is_refused()
    {
        var policy = new Gpt(GptConfig.Tiny(50));
        var critic = new ScalarModel(GptConfig.Tiny(60));
        Assert.Throws<ArgumentException>(() => critic.InitialiseFrom(policy));
    }
}
