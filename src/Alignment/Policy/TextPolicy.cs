using System.Text;
using CoopAgent.Alignment.Checkpoints;
using CoopAgent.Alignment.Generation;
using CoopAgent.Alignment.Models;
using CoopAgent.Alignment.Tokenization;
using static TorchSharp.torch;

namespace CoopAgent.Alignment.Policy;

/// <summary>The policy as the agent and the server use it: tokenizer + <see cref="Gpt"/> + config + manifest, with
/// text in and text out.</summary>
/// <remarks>Not thread-safe, by design: TorchSharp dispose scopes and <c>no_grad</c> belong to one thread, and one
/// model serves one request at a time anyway. Call it from one thread (the server feeds one worker through a channel).</remarks>
public sealed class TextPolicy : IDisposable
{
    private TextPolicy(Gpt model, CompactTokenizer tokenizer, CheckpointManifest manifest, string? directory)
    {
        if (model.Config.VocabSize != tokenizer.Count)
        {
            throw new ArgumentException($"the model's vocabulary ({model.Config.VocabSize}) differs from the tokenizer's ({tokenizer.Count}).", nameof(tokenizer));
        }

        Model = model;
        Tokenizer = tokenizer;
        Manifest = manifest;
        Directory = directory;
        Sampler = new Sampler(model, CompactTokenizer.EosId, CompactTokenizer.PadId);
    }

    public Gpt Model { get; }

    public CompactTokenizer Tokenizer { get; }

    public GptConfig Config => Model.Config;

    public CheckpointManifest Manifest { get; }

    /// <summary>The checkpoint folder it was loaded from, or null when built in memory.</summary>
    public string? Directory { get; }

    /// <summary>The version name (the manifest's name).</summary>
    public string Version => Manifest.Name;

    /// <summary>The batched sampler over <see cref="Model"/>.</summary>
    public Sampler Sampler { get; }

    /// <summary>Loads a policy checkpoint folder (see <see cref="CheckpointStore"/>).</summary>
    /// <exception cref="CheckpointException">A missing, corrupt or inconsistent file; the message names it.</exception>
    public static TextPolicy Load(string directory, Device? device = null)
    {
        var checkpoint = CheckpointStore.LoadGpt(directory, device);
        checkpoint.Model.eval();
        return new TextPolicy(checkpoint.Model, checkpoint.Tokenizer, checkpoint.Manifest, checkpoint.Directory);
    }

    /// <summary>A policy around a model in memory (for example during training or evaluation).</summary>
    public static TextPolicy FromModel(Gpt model, CompactTokenizer tokenizer, CheckpointManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(manifest);
        return new TextPolicy(model, tokenizer, manifest, null);
    }

    /// <summary>A randomly initialised policy (babbles): for a server with no checkpoint yet, and for tests.</summary>
    /// <param name="seed">Seeds the weights.</param>
    /// <param name="tokenizer">Vocabulary; bytes and special tokens only when null.</param>
    /// <param name="config">Shape; <see cref="GptConfig.Default"/> for the tokenizer's vocabulary when null.</param>
    public static TextPolicy CreateUntrained(long seed = 0, CompactTokenizer? tokenizer = null, GptConfig? config = null)
    {
        tokenizer ??= CompactTokenizer.Build([]);
        config ??= GptConfig.Default(tokenizer.Count);
        using var generator = new Generator((ulong)seed, CPU);
        var model = new Gpt(config, generator);
        model.eval();
        return new TextPolicy(model, tokenizer, CheckpointManifest.Create($"untrained-seed{seed}"), null);
    }

    /// <summary>Prompt ids for an observation and dialogue, cut to leave room for <paramref name="maxNewTokens"/>.</summary>
    public int[] BuildPrompt(string observation, IReadOnlyList<ChatTurn> dialogue, int maxNewTokens) =>
        ChatPrompt.Build(Tokenizer, observation, dialogue, Config.ContextLength - maxNewTokens);

    /// <summary>Draws <paramref name="k"/> responses to one prompt, in one batch.</summary>
    /// <param name="prompt">Prompt ids (from <see cref="ChatPrompt"/>); if too long for the context with
    /// <see cref="SamplingOptions.MaxNewTokens"/>, its oldest tokens are dropped.</param>
    /// <param name="k">How many responses.</param>
    /// <param name="options">Length, temperature, top-k, top-p.</param>
    /// <param name="seed">Seeds the sampling: the same seed gives the same responses.</param>
    /// <returns>The decoded responses, without the end token.</returns>
    public IReadOnlyList<string> Sample(int[] prompt, int k, SamplingOptions options, long seed = 0)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        return Sample([(prompt, k)], options, seed)[0];
    }

    /// <summary>Draws k responses for each of several prompts in one batch (the chat server batches the
    /// requests of many conversations); the k rows of a prompt share one prefill. With one request this is
    /// exactly <see cref="Sample(int[], int, SamplingOptions, long)"/>.</summary>
    /// <param name="requests">Prompt ids (cut as in the single-prompt overload) and how many responses each.</param>
    /// <param name="options">Length, temperature, top-k, top-p, shared by the whole batch.</param>
    /// <param name="seed">Seeds the sampling of the whole batch.</param>
    /// <param name="constraints">Per request, what its responses may say (null: free text), or null for none.</param>
    /// <returns>Per request, its decoded responses, without the end token.</returns>
    public IReadOnlyList<IReadOnlyList<string>> Sample(IReadOnlyList<(int[] Prompt, int K)> requests, SamplingOptions options, long seed = 0, IReadOnlyList<ITokenConstraint?>? constraints = null)
    {
        ArgumentNullException.ThrowIfNull(requests);
        ArgumentNullException.ThrowIfNull(options);
        if (constraints is not null && constraints.Count != requests.Count)
        {
            throw new ArgumentException($"{constraints.Count} constraints for {requests.Count} requests: give one per request (null for none).", nameof(constraints));
        }

        var rows = new List<int[]>();
        var rowConstraints = new List<ITokenConstraint?>();
        for (var i = 0; i < requests.Count; i++)
        {
            var (prompt, k) = requests[i];
            ArgumentNullException.ThrowIfNull(prompt, nameof(requests));
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k, nameof(requests));
            var fitted = Fit(prompt, options);
            rows.AddRange(Enumerable.Repeat(fitted, k));
            rowConstraints.AddRange(Enumerable.Repeat(constraints?[i], k));
        }

        using var generator = new Generator((ulong)seed, CPU);
        var texts = Sampler.Generate(rows, options, generator, constraints: constraints is null ? null : rowConstraints).Select(r => Tokenizer.Decode(r.Tokens, skipSpecialTokens: true)).ToList();
        var results = new List<IReadOnlyList<string>>(requests.Count);
        var offset = 0;
        foreach (var (_, k) in requests)
        {
            results.Add(texts.GetRange(offset, k));
            offset += k;
        }

        return results;
    }

    /// <summary>Draws <paramref name="k"/> responses for an observation and dialogue (<see cref="ChatPrompt"/> format).</summary>
    public IReadOnlyList<string> Sample(string observation, IReadOnlyList<ChatTurn> dialogue, int k, SamplingOptions options, long seed = 0)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Sample(BuildPrompt(observation, dialogue, options.MaxNewTokens), k, options, seed);
    }

    /// <summary>Generates one response and hands it over piece by piece as it is drawn (whole characters only:
    /// bytes of a split UTF-8 character are held back until complete).</summary>
    /// <param name="prompt">Prompt ids; cut as in <see cref="Sample(int[], int, SamplingOptions, long)"/>.</param>
    /// <param name="options">Length, temperature, top-k, top-p.</param>
    /// <param name="onText">Receives each new piece of text.</param>
    /// <param name="seed">Seeds the sampling.</param>
    /// <param name="cancellationToken">Stops after the current token.</param>
    /// <returns>The whole response text (what <paramref name="onText"/> received, concatenated).</returns>
    public string Stream(int[] prompt, SamplingOptions options, Action<string> onText, long seed = 0, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(onText);
        var decoder = Encoding.UTF8.GetDecoder();
        var text = new StringBuilder();
        var chars = new char[64];
        using var generator = new Generator((ulong)seed, CPU);
        Sampler.Generate([Fit(prompt, options)], options, generator, step =>
        {
            var token = step[0];
            if (token < 0 || CompactTokenizer.IsSpecial(token))
            {
                return;
            }

            var bytes = Tokenizer.BytesOf(token);
            if (chars.Length < bytes.Length + 4)
            {
                chars = new char[bytes.Length + 4];
            }

            var count = decoder.GetChars(bytes, 0, bytes.Length, chars, 0, flush: false);
            if (count > 0)
            {
                var piece = new string(chars, 0, count);
                text.Append(piece);
                onText(piece);
            }
        }, cancellationToken: cancellationToken);
        return text.ToString();
    }

    /// <summary>Saves model, tokenizer and config as a checkpoint folder with <paramref name="manifest"/>.</summary>
    public CheckpointManifest Save(string directory, CheckpointManifest manifest) =>
        CheckpointStore.Save(directory, Model, Tokenizer, manifest);

    public void Dispose() => Model.Dispose();

    private int[] Fit(int[] prompt, SamplingOptions options)
    {
        if (prompt.Length == 0)
        {
            throw new ArgumentException("the prompt is empty; build it with ChatPrompt.", nameof(prompt));
        }

        var room = Config.ContextLength - options.MaxNewTokens;
        if (room < 1)
        {
            throw new ArgumentException($"MaxNewTokens {options.MaxNewTokens} leaves no room for a prompt in the context of {Config.ContextLength}.", nameof(options));
        }

        return prompt.Length <= room ? prompt : prompt[^room..];
    }
}
