using CoopAgent.Alignment.Generation;
using CoopAgent.Alignment.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace CoopAgent.Alignment.Tests.Models;

public class InferencePrecisionTests
{
    private static Gpt TinyModel(bool tied)
    {
        var model = new Gpt(GptConfig.Tiny(50) with { TieWeights = tied }, new Generator(11, CPU));
        model.eval();
        return model;
    }

    [Theory]
    [InlineData("fp32", InferencePrecision.Fp32)]
    [InlineData("float32", InferencePrecision.Fp32)]
    [InlineData("bf16", InferencePrecision.Bf16)]
    [InlineData(" BF16 ", InferencePrecision.Bf16)]
    [InlineData("bfloat16", InferencePrecision.Bf16)]
    public void Names_resolve_to_their_precision(string name, InferencePrecision expected) =>
        Assert.Equal(expected, InferencePrecisions.Resolve(name, CPU));

    [Fact]
    public void Auto_takes_bf16_exactly_when_the_cpu_multiplies_it_natively()
    {
        var expected = InferencePrecisions.CpuHasFastBFloat16 ? InferencePrecision.Bf16 : InferencePrecision.Fp32;
        Assert.Equal(expected, InferencePrecisions.Resolve("auto", CPU));
        Assert.Equal(expected, InferencePrecisions.Resolve(null, CPU));
    }

    [Theory]
    [InlineData("fp16")]
    [InlineData("")]
    [InlineData("half")]
    public void Other_names_are_refused_with_the_choices(string name)
    {
        var error = Assert.Throws<ArgumentException>(() => InferencePrecisions.Resolve(name, CPU));
        Assert.Contains("fp32, bf16 or auto", error.Message);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Bf16_moves_the_logits_a_little_and_fp32_brings_back_the_exact_ones(bool tied)
    {
        using var scope = NewDisposeScope();
        using var model = TinyModel(tied);
        var tokens = randint(1, 50, [3, 12], dtype: ScalarType.Int64, generator: new Generator(5, CPU));
        var exact = model.forward(tokens, null);

        model.UseInferencePrecision(InferencePrecision.Bf16);
        Assert.Equal(InferencePrecision.Bf16, model.Precision);
        var reduced = model.forward(tokens, null);
        Assert.Equal(ScalarType.Float32, reduced.dtype);
        var moved = (reduced - exact).abs().max().item<float>();
        Assert.True(moved > 0, "the bf16 path was not taken");
        var probabilities = (reduced.softmax(-1) - exact.softmax(-1)).abs().max().item<float>();
        Assert.True(probabilities < 0.01, $"probabilities moved by {probabilities}");

        model.UseInferencePrecision(InferencePrecision.Fp32);
        Assert.Equal(0f, (model.forward(tokens, null) - exact).abs().max().item<float>());
    }

    [Fact]
    public void A_model_computing_in_bf16_refuses_to_train_until_it_is_back_in_fp32()
    {
        using var scope = NewDisposeScope();
        using var model = TinyModel(tied: true);
        var tokens = randint(1, 50, [2, 8], dtype: ScalarType.Int64, generator: new Generator(6, CPU));
        var exact = model.forward(tokens, null);
        model.UseInferencePrecision(InferencePrecision.Bf16);
        var error = Assert.Throws<InvalidOperationException>(() => model.train());
        Assert.Contains("bf16", error.Message);
        Assert.False(model.training);
        model.eval(); // eval stays allowed

        model.UseInferencePrecision(InferencePrecision.Fp32);
        model.train();
        Assert.True(model.training);
        Assert.Equal(0f, (model.forward(tokens, null) - exact).abs().max().item<float>());
    }

    [Fact]
    public void A_model_fresh_from_its_constructor_goes_to_eval_mode_and_a_batch_samples_it()
    {
        // A new module is in training mode; the batch puts back the mode it found after each step.
        using var model = new Gpt(GptConfig.Tiny(50), new Generator(12, CPU));
        Assert.True(model.training);
        model.UseInferencePrecision(InferencePrecision.Bf16);
        Assert.False(model.training);
        using var batch = new ContinuousBatch(model, endToken: -1, padToken: 0, maxRows: 4);
        batch.Admit([new GenerationRequest([1, 5, 9], 2, new SamplingOptions(MaxNewTokens: 3), Seed: 1)]);
        var finished = new List<FinishedGeneration>();
        while (batch.Rows > 0)
        {
            finished.AddRange(batch.Step());
        }

        Assert.All(Assert.Single(finished).Samples, s => Assert.Equal(3, s.Tokens.Length));
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(64, 64)]
    [InlineData(65, 128)]
    [InlineData(130, 192)]
    [InlineData(1024, 1024)]
    public void Row_counts_above_a_decoding_step_are_padded_to_a_multiple_of_64(long rows, long computed) =>
        Assert.Equal(computed, ReducedLinear.Rows(rows));

    [Theory]
    [InlineData(63)]
    [InlineData(64)]
    [InlineData(65)]
    [InlineData(130)]
    public void A_padded_product_is_the_product_of_the_rows_alone(int rows)
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(9, CPU);
        var weight = randn(24, 16, generator: generator);
        var bias = randn(24, generator: generator);
        using var reduced = new ReducedLinear(weight, bias, ScalarType.BFloat16);
        var x = randn(rows, 16, generator: generator);
        var expected = nn.functional.linear(x.to(ScalarType.BFloat16), weight.to(ScalarType.BFloat16), bias.to(ScalarType.BFloat16)).to(ScalarType.Float32);

        var flat = reduced.Apply(x);
        Assert.Equal(new long[] { rows, 24 }, flat.shape);
        Assert.Equal(0f, (flat - expected).abs().max().item<float>());

        // (B, T, C) as prefill gives it: the same rows, the same shape back. (Unpadded, LibTorch takes another kernel for
        // three dimensions, which may round the bf16 output the other way: one bf16 step, 2⁻⁷ of the largest value.)
        var batched = reduced.Apply(x.reshape(1, rows, 16));
        Assert.Equal(new long[] { 1, rows, 24 }, batched.shape);
        var step = expected.abs().max().item<float>() / 128;
        Assert.True((batched.reshape(rows, 24) - expected).abs().max().item<float>() <= step);
    }

    [Fact]
    public void The_reduced_copies_are_taken_when_asked_so_changed_weights_need_asking_again()
    {
        using var scope = NewDisposeScope();
        using var model = TinyModel(tied: false);
        var tokens = randint(1, 50, [1, 6], dtype: ScalarType.Int64, generator: new Generator(8, CPU));
        model.UseInferencePrecision(InferencePrecision.Bf16);
        var before = model.forward(tokens, null);
        using (no_grad())
        {
            // Only weights the bf16 path copies: the MLPs' first layers.
            foreach (var (name, parameter) in model.named_parameters().Where(p => p.name.Contains("mlp.c_fc", StringComparison.Ordinal)))
            {
                parameter.mul_(0.5);
            }
        }

        Assert.Equal(0f, (model.forward(tokens, null) - before).abs().max().item<float>());
        model.UseInferencePrecision(InferencePrecision.Bf16);
        Assert.NotEqual(0f, (model.forward(tokens, null) - before).abs().max().item<float>());
    }

    [Fact]
    public void A_continuous_batch_over_a_bf16_model_gives_the_samples_the_sampler_gives_on_it()
    {
        // The server's batch and the agent's own sampler (PolicyChatClient) compute on the same bf16 weights, so a call
        // gets the same samples from either, as in fp32.
        using var model = TinyModel(tied: true);
        model.UseInferencePrecision(InferencePrecision.Bf16);
        var options = new SamplingOptions(MaxNewTokens: 20, Temperature: 3, TopP: 0.9);
        int[][] prompts = [[2, 9, 13, 7, 21], [2, 30], [2, 11, 12]];
        var requests = prompts.Select((p, i) => new GenerationRequest(p, Samples: i + 2, options, Seed: 30 + i)).ToArray();
        using var batch = new ContinuousBatch(model, endToken: 1, padToken: 0, maxRows: 16);
        batch.Admit(requests);
        var done = new Dictionary<GenerationRequest, FinishedGeneration>(ReferenceEqualityComparer.Instance);
        for (var step = 0; batch.Rows > 0; step++)
        {
            foreach (var finished in batch.Step())
            {
                done.Add(finished.Request, finished);
            }

            Assert.True(step < 100, "the batch never emptied");
        }

        foreach (var request in requests)
        {
            var alone = new Sampler(model, endToken: 1, padToken: 0)
                .Generate(Enumerable.Repeat(request.Prompt, request.Samples).ToList(), request.Options, new Generator((ulong)request.Seed, CPU))
                .Select(s => s.Tokens);
            Assert.Equal(alone, done[request].Samples.Select(s => s.Tokens));
        }
    }
}
