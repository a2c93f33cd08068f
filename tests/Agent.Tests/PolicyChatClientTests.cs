using CoopAgent.Alignment.Models;
using CoopAgent.Alignment.Policy;
using ChatRole = Microsoft.Extensions.AI.ChatRole;
using CoopAgent.Alignment.Tokenization;
using Microsoft.Extensions.AI;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;

namespace CoopAgent.Agent.Tests;

public sealed class PolicyChatClientTests : IDisposable
{
    private readonly TextPolicy _policy;
    private readonly PolicyChatClient _client;

    public PolicyChatClientTests()
    {
        var tokenizer = CompactTokenizer.Build([]);
        _policy = TextPolicy.CreateUntrained(seed: 3, tokenizer, GptConfig.Tiny(tokenizer.Count));
        _client = new PolicyChatClient(_policy);
    }

    public void Dispose()
    {
        _client.Dispose();
        _policy.Dispose();
    }

    private static List<ChatMessage> Prompt() =>
    [
        new(ChatRole.System, "You are in the kitchen. The fridge is closed."),
        new(ChatRole.User, "make me a drink"),
    ];

    [Fact]
    public async Task N_samples_come_back_as_n_assistant_messages_and_the_seed_repeats_them()
    {
        var options = new ChatOptions { MaxOutputTokens = 8, Seed = 11, AdditionalProperties = new() { [PolicyChatClient.SamplesKey] = 3 } };
        var first = await _client.GetResponseAsync(Prompt(), options);
        var again = await _client.GetResponseAsync(Prompt(), options);

        Assert.Equal(3, first.Messages.Count);
        Assert.All(first.Messages, m => Assert.Equal(ChatRole.Assistant, m.Role));
        Assert.Equal(first.Messages.Select(m => m.Text), again.Messages.Select(m => m.Text));
        Assert.Equal(_policy.Version, first.ModelId);
    }

    [Fact]
    public async Task Several_calls_sampled_together_answer_each_with_its_own_prompt_and_count()
    {
        var greedy = new ChatOptions { Temperature = 0, MaxOutputTokens = 8, AdditionalProperties = new() { [PolicyChatClient.SamplesKey] = 2 } };
        List<ChatMessage> other = [new(ChatRole.System, "You are in the garden."), new(ChatRole.User, "water the plants")];
        var one = new ChatOptions { Temperature = 0, MaxOutputTokens = 8, AdditionalProperties = new() { [PolicyChatClient.SamplesKey] = 1 } };

        var together = await PolicyChatClient.GetResponsesAsync(_client, [(Prompt(), greedy), (other, one)]);

        Assert.Equal([2, 1], together.Select(r => r.Messages.Count));
        // Greedy, so each must be exactly what its own call alone would say: the prompts were not mixed up.
        Assert.Equal((await _client.GetResponseAsync(Prompt(), greedy)).Messages.Select(m => m.Text), together[0].Messages.Select(m => m.Text));
        Assert.Equal((await _client.GetResponseAsync(other, one)).Text, together[1].Text);
        Assert.Empty(await PolicyChatClient.GetResponsesAsync(_client, []));
    }

    [Fact]
    public async Task Temperature_zero_is_greedy_whatever_the_seed()
    {
        var a = await _client.GetResponseAsync(Prompt(), new ChatOptions { Temperature = 0, MaxOutputTokens = 8, Seed = 1 });
        var b = await _client.GetResponseAsync(Prompt(), new ChatOptions { Temperature = 0, MaxOutputTokens = 8, Seed = 2 });
        Assert.Equal(a.Text, b.Text);
    }

    [Fact]
    public async Task Streaming_hands_over_the_reply_in_pieces()
    {
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in _client.GetStreamingResponseAsync(Prompt(), new ChatOptions { MaxOutputTokens = 12, Seed = 5 }))
        {
            updates.Add(update);
        }

        Assert.Equal(ChatFinishReason.Stop, updates[^1].FinishReason);
        Assert.True(updates.Count(u => u.Text.Length > 0) >= 2, $"{updates.Count} updates");
    }

    [Fact]
    public void Get_service_returns_the_metadata_sk_needs()
    {
        var metadata = Assert.IsType<ChatClientMetadata>(_client.GetService(typeof(ChatClientMetadata)));
        Assert.Equal(_policy.Version, metadata.DefaultModelId);
        Assert.Same(_client, _client.GetService(typeof(IChatClient)));
        Assert.Null(_client.GetService(typeof(ChatClientMetadata), serviceKey: "other"));
        Assert.Null(_client.GetService(typeof(string)));
    }

    [Fact]
    public async Task The_kernel_uses_the_policy_as_its_chat_completion_service_and_prompt_functions_run()
    {
        var kernel = PolicyChatClient.CreateKernel(_client);
        var service = kernel.GetRequiredService<IChatCompletionService>();
        var history = new ChatHistory("You are in the kitchen.");
        history.AddUserMessage("make me a drink");
        var replies = await service.GetChatMessageContentsAsync(history, kernel: kernel);
        Assert.Single(replies);

        // SK's own prompt function goes through GetService(ChatClientMetadata) and the filter-free path.
        var settings = new PromptExecutionSettings { ExtensionData = new Dictionary<string, object> { ["max_tokens"] = 4 } };
        var result = await kernel.InvokePromptAsync("say something", new KernelArguments(settings));
        Assert.NotNull(result.GetValue<string>());
    }

    [Fact]
    public async Task A_bad_sample_count_is_refused()
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => _client.GetResponseAsync(Prompt(), new ChatOptions { AdditionalProperties = new() { ["n"] = 0 } }));
        await Assert.ThrowsAsync<ArgumentException>(() => _client.GetResponseAsync(Prompt(), new ChatOptions { AdditionalProperties = new() { ["n"] = new object() } }));
    }

    [Fact]
    public async Task With_a_plan_grammar_every_sample_is_a_plan_of_the_home_in_view()
    {
        var world = new CoopAgent.Agent.Household.World(CoopAgent.Agent.Household.Ontology.Default, "kitchen");
        world.AddRoom("kitchen");
        world.AddItem(new CoopAgent.Agent.Household.Item("fridge", CoopAgent.Agent.Household.Ontology.Default["fridge"], CoopAgent.Agent.Household.Location.InRoom("kitchen")));
        world.AddPerson(new CoopAgent.Agent.Household.Person("ada", false, "kitchen"));
        var grammar = CoopAgent.Agent.Household.PlanGrammar.For(world);
        var options = new ChatOptions
        {
            MaxOutputTokens = 24,
            Seed = 4,
            AdditionalProperties = new() { [PolicyChatClient.SamplesKey] = 12, [PolicyChatClient.GrammarKey] = grammar },
        };

        var grounded = await _client.GetResponseAsync(Prompt(), options);
        options.AdditionalProperties.Remove(PolicyChatClient.GrammarKey);
        var free = await _client.GetResponseAsync(Prompt(), options);

        // An untrained policy writes noise; constrained, the noise is still a plan of this kitchen (or a cut-off
        // prefix of one when the token budget ends first).
        Assert.All(grounded.Messages, m => Assert.True(IsPlanPrefix(grammar, m.Text), m.Text));
        Assert.Contains(free.Messages, m => !IsPlanPrefix(grammar, m.Text));
    }

    [Fact]
    public async Task A_grammar_of_the_wrong_type_is_refused()
    {
        var options = new ChatOptions { AdditionalProperties = new() { [PolicyChatClient.GrammarKey] = "take milk" } };
        await Assert.ThrowsAsync<ArgumentException>(() => _client.GetResponseAsync(Prompt(), options));
    }

    private static bool IsPlanPrefix(CoopAgent.Alignment.Generation.ITextGrammar grammar, string text)
    {
        var state = grammar.Start;
        foreach (var character in text)
        {
            state = grammar.Next(state, character);
            if (state < 0)
            {
                return false;
            }
        }

        return true;
    }
}
