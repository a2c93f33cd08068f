using CoopAgent.Agent.Baselines;
using CoopAgent.Agent.Scenarios;
using CoopAgent.Alignment.Models;
using CoopAgent.Alignment.Policy;
using TorchSharp;
using static TorchSharp.torch;

namespace CoopAgent.Agent.Tests.Baselines;

/// <summary>What bf16 does to the shipped policy (<c>serve --precision auto</c> takes it on a CPU with AVX512-BF16):
/// its next-token probabilities over every prompt position of the built-in scenarios' first turns, and whole samples.
/// Run with <c>--logger "console;verbosity=detailed"</c> to see the figures.</summary>
public sealed class ShippedPolicyPrecisionTests
{
    [Fact]
    public void Bf16_moves_the_shipped_policys_next_token_probabilities_by_at_most_a_few_hundredths()
    {
        var folder = CooperativeAgents.FindDefaultPolicy();
        Assert.NotNull(folder); // policies/default is part of the repository
        using var policy = TextPolicy.Load(folder);
        using var scope = NewDisposeScope();
        var prompts = BuiltinScenarios.All().Take(12)
            .Select(s => policy.BuildPrompt(s.CreateWorld().Describe(), [new ChatTurn(ChatRole.User, s.Instruction)], maxNewTokens: 48))
            .ToList();

        var exact = prompts.Select(p => policy.Model.forward(tensor(p.Select(t => (long)t).ToArray()).unsqueeze(0), null).softmax(-1)).ToList();
        policy.Model.UseInferencePrecision(InferencePrecision.Bf16);
        var reduced = prompts.Select(p => policy.Model.forward(tensor(p.Select(t => (long)t).ToArray()).unsqueeze(0), null).softmax(-1)).ToList();

        // Largest change of any token's probability at any position, and the mean total-variation distance.
        var largest = exact.Zip(reduced, (e, r) => (e - r).abs().max().item<float>()).Max();
        var meanDistance = exact.Zip(reduced, (e, r) => (e - r).abs().sum(-1).mean().item<float>() / 2).Average();
        // Whole samples (temperature 1, no grammar, the same seeds): most come out token for token the same.
        var options = new CoopAgent.Alignment.Generation.SamplingOptions(MaxNewTokens: 48, Temperature: 1.0);
        var inBf16 = prompts.Select(p => policy.Sample(p, 8, options, seed: 5)).ToList();
        policy.Model.UseInferencePrecision(InferencePrecision.Fp32);
        var inFp32 = prompts.Select(p => policy.Sample(p, 8, options, seed: 5)).ToList();
        var differing = inFp32.Zip(inBf16, (x, y) => x.Zip(y).Count(z => z.First != z.Second)).Sum();
        Console.WriteLine($"largest probability change {largest}, mean total-variation distance {meanDistance}, samples differing {differing} of {inFp32.Sum(x => x.Count)}");
        Assert.True(differing <= inFp32.Sum(x => x.Count) / 4, $"{differing} samples differ");
        Assert.True(largest > 0, "the bf16 path was not taken");
        Assert.True(largest < 0.05, $"a probability moved by {largest}");
        Assert.True(meanDistance < 0.01, $"mean total-variation distance {meanDistance}");
    }

    [Theory]
    [InlineData(InferencePrecision.Fp32)]
    [InlineData(InferencePrecision.Bf16)]
    public void Eval_agents_sample_the_policy_in_the_precision_asked(InferencePrecision precision)
    {
        var agent = (CoopAgent.Agent.Loop.CooperativeAgent)CooperativeAgents.Create("full", new CoopAgent.Agent.Evaluation.AgentContext(Precision: precision));
        var policy = Assert.IsType<TextPolicy>(agent.Policy.GetService(typeof(TextPolicy)));
        Assert.Equal(precision, policy.Model.Precision);
    }
}
