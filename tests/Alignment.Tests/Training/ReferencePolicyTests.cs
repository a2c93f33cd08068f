using CoopAgent.Alignment.Models;
using CoopAgent.Alignment.Training;
using TorchSharp;
using static CoopAgent.Alignment.Tests.Training.TensorAssert;

namespace CoopAgent.Alignment.Tests.Training;

public class ReferencePolicyTests
{
    private static torch.nn.Module<torch.Tensor, torch.Tensor> Linear(float w0, float w1, float bias)
    {
        var layer = torch.nn.Linear(2, 1);
        using (torch.no_grad())
        {
            layer.weight!.copy_(torch.tensor(new[] { w0, w1 }).reshape(1, 2));
            layer.bias!.fill_(bias);
        }

        return layer;
    }

    [Fact]
    public void Moving_average_moves_the_reference_towards_the_actor()
    {
        var reference = Linear(1f, 2f, 0f);
        var actor = Linear(3f, -2f, 4f);

        ReferencePolicy.MoveTowards(reference, actor, eta: 0.25);

        // θ_ref ← 0.75·θ_ref + 0.25·θ_actor: 0.75 + 0.75 = 1.5, 1.5 − 0.5 = 1.0, 0 + 1 = 1.
        var parameters = reference.parameters().ToList();
        Close([1.5, 1.0], parameters[0].flatten());
        Close([1.0], parameters[1].flatten());
    }

    [Fact]
    public void Eta_zero_leaves_the_reference_bit_for_bit_untouched()
    {
        var reference = Linear(0.1f, 1f / 3f, -0.7f);
        var before = reference.parameters().Select(p => p.clone()).ToList();

        ReferencePolicy.MoveTowards(reference, Linear(5f, 5f, 5f), eta: 0);

        foreach (var (now, then) in reference.parameters().Zip(before))
        {
            Assert.Equal(then.data<float>().ToArray(), now.data<float>().ToArray());
        }
    }

    [Fact]
    public void Frozen_copy_has_the_policys_weights_and_no_gradients()
    {
        using var policy = new Gpt(GptConfig.Tiny(12), new torch.Generator(9));
        using var copy = ReferencePolicy.FrozenCopy(policy);
        Assert.Equal(policy.parameters().Select(p => p.data<float>().ToArray()), copy.parameters().Select(p => p.data<float>().ToArray()));
        Assert.All(copy.parameters(), p => Assert.False(p.requires_grad));
        Assert.False(copy.training);
    }

    [Fact]
    public void Moving_average_refuses_a_different_architecture_or_bad_eta()
    {
        var reference = Linear(1f, 1f, 1f);
        Assert.Throws<ArgumentException>(() => ReferencePolicy.MoveTowards(reference, torch.nn.Linear(3, 1), 0.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => ReferencePolicy.MoveTowards(reference, reference, 1.5));
    }
}
