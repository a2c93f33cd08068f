using System.Security.Cryptography;
using System.Text.Json;
using CoopAgent.Alignment.Models;
using CoopAgent.Alignment.Tokenization;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CoopAgent.Alignment.Checkpoints;

/// <summary>A loaded checkpoint: the model with its config, tokenizer and manifest. The caller owns (and disposes) the model.</summary>
/// <typeparam name="TModel"><see cref="Gpt"/> or <see cref="ScalarModel"/>.</typeparam>
public sealed record Checkpoint<TModel>(string Directory, TModel Model, GptConfig Config, CompactTokenizer Tokenizer, CheckpointManifest Manifest)
    where TModel : nn.Module
{
    /// <summary>True when the checkpoint carries optimizer state, step and random state.</summary>
    public bool CanResume => File.Exists(Path.Combine(Directory, CheckpointStore.OptimizerFile));

    /// <summary>Restores optimizer state (into an optimizer built over <see cref="Model"/>'s parameters) and the global
    /// random state; returns the step and seed to continue from.</summary>
    /// <exception cref="CheckpointException">The checkpoint was saved without training state, or it is unreadable.</exception>
    public TrainingState RestoreTraining(OptimizerHelper optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        var statePath = Path.Combine(Directory, CheckpointStore.TrainingStateFile);
        var state = CheckpointStore.ReadJson<TrainingState>(statePath);
        CheckpointStore.Guard(Path.Combine(Directory, CheckpointStore.OptimizerFile), "optimizer state does not fit this optimizer", p => optimizer.load_state_dict(p));
        CheckpointStore.Guard(Path.Combine(Directory, CheckpointStore.RandomStateFile), "random state is unreadable", p =>
        {
            using var rng = Tensor.load(p);
            set_rng_state(rng);
        });
        return state;
    }
}

/// <summary>Writes and reads checkpoint folders: <c>weights.bin</c>, <c>config.json</c>, <c>tokenizer.json</c>,
/// <c>manifest.json</c> and, for resuming, <c>optimizer.bin</c>, <c>training_state.json</c>, <c>rng_state.bin</c>.</summary>
/// <remarks>Saving writes everything into a temporary folder beside the target and renames it into place, so a crash leaves
/// either the old checkpoint or the new one, never half of one. Loading checks every file and refuses with a
/// <see cref="CheckpointException"/> that names the file and what is wrong.</remarks>
public static class CheckpointStore
{
    public const string WeightsFile = "weights.bin";
    public const string ConfigFile = "config.json";
    public const string ManifestFile = "manifest.json";
    public const string OptimizerFile = "optimizer.bin";
    public const string TrainingStateFile = "training_state.json";
    public const string RandomStateFile = "rng_state.bin";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>Saves a checkpoint folder at <paramref name="directory"/>, replacing any checkpoint already there.</summary>
    /// <param name="directory">The checkpoint folder to create or replace.</param>
    /// <param name="model">A <see cref="Gpt"/> or <see cref="ScalarModel"/>.</param>
    /// <param name="tokenizer">Its tokenizer (the vocabulary must match the config).</param>
    /// <param name="manifest">Name, parent, metrics, info; kind and hash are set here.</param>
    /// <param name="optimizer">When given (with <paramref name="state"/>), its state is saved for resuming.</param>
    /// <param name="state">Step and seed for resuming.</param>
    /// <returns>The manifest as written (with the weights' hash).</returns>
    public static CheckpointManifest Save(
        string directory, nn.Module model, CompactTokenizer tokenizer, CheckpointManifest manifest,
        OptimizerHelper? optimizer = null, TrainingState? state = null) =>
        SaveCore(directory, model, tokenizer, manifest, optimizer, state, afterEachFile: null);

    // afterEachFile: test hook, called with each file name after it is written (throw to simulate a crash).
    internal static CheckpointManifest SaveCore(
        string directory, nn.Module model, CompactTokenizer tokenizer, CheckpointManifest manifest,
        OptimizerHelper? optimizer, TrainingState? state, Action<string>? afterEachFile)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(manifest);
        var (config, kind) = model switch
        {
            Gpt gpt => (gpt.Config, CheckpointManifest.GptKind),
            ScalarModel scalar => (scalar.Config, CheckpointManifest.ScalarKind),
            _ => throw new ArgumentException($"cannot checkpoint a {model.GetType().Name}: only Gpt and ScalarModel.", nameof(model)),
        };
        if (config.VocabSize != tokenizer.Count)
        {
            throw new ArgumentException($"the model's vocabulary ({config.VocabSize}) differs from the tokenizer's ({tokenizer.Count}).", nameof(tokenizer));
        }

        if ((optimizer is null) != (state is null))
        {
            throw new ArgumentException("save the optimizer and the training state together (both or neither).", nameof(state));
        }

        var target = Path.GetFullPath(directory.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar));
        var parent = Path.GetDirectoryName(target) ?? throw new ArgumentException($"'{directory}' has no parent folder.", nameof(directory));
        System.IO.Directory.CreateDirectory(parent);
        var name = Path.GetFileName(target);
        var temporary = Path.Combine(parent, $".{name}.writing-{Guid.NewGuid():N}");
        System.IO.Directory.CreateDirectory(temporary);
        try
        {
            void Written(string file) => afterEachFile?.Invoke(file);

            var weightsPath = Path.Combine(temporary, WeightsFile);
            model.save(weightsPath);
            Written(WeightsFile);
            File.WriteAllText(Path.Combine(temporary, ConfigFile), JsonSerializer.Serialize(config, Json));
            Written(ConfigFile);
            tokenizer.Save(temporary);
            Written(CompactTokenizer.FileName);
            if (optimizer is not null && state is not null)
            {
                optimizer.save_state_dict(Path.Combine(temporary, OptimizerFile));
                Written(OptimizerFile);
                using (var rng = get_rng_state())
                {
                    rng.save(Path.Combine(temporary, RandomStateFile));
                }

                Written(RandomStateFile);
                File.WriteAllText(Path.Combine(temporary, TrainingStateFile), JsonSerializer.Serialize(state, Json));
                Written(TrainingStateFile);
            }

            // The manifest goes last: a folder with a manifest whose hash matches its weights is complete.
            var written = manifest with { Kind = kind, CreatedUtc = DateTimeOffset.UtcNow, WeightsSha256 = Sha256(weightsPath) };
            File.WriteAllText(Path.Combine(temporary, ManifestFile), JsonSerializer.Serialize(written, Json));
            Written(ManifestFile);
            Replace(target, temporary);
            return written;
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }

    /// <summary>Loads a policy checkpoint onto <paramref name="device"/> (CPU when null).</summary>
    public static Checkpoint<Gpt> LoadGpt(string directory, Device? device = null) =>
        Load(directory, CheckpointManifest.GptKind, config => new Gpt(config), device);

    /// <summary>Loads a critic or reward-model checkpoint onto <paramref name="device"/> (CPU when null).</summary>
    public static Checkpoint<ScalarModel> LoadScalar(string directory, Device? device = null) =>
        Load(directory, CheckpointManifest.ScalarKind, config => new ScalarModel(config), device);

    /// <summary>Reads only the manifest (for listing versions), after checking it exists and parses.</summary>
    public static CheckpointManifest ReadManifest(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        if (!System.IO.Directory.Exists(directory))
        {
            throw new CheckpointException($"{directory}: no checkpoint folder there.") { FilePath = directory };
        }

        return ReadJson<CheckpointManifest>(Path.Combine(directory, ManifestFile));
    }

    private static Checkpoint<TModel> Load<TModel>(string directory, string kind, Func<GptConfig, TModel> create, Device? device)
        where TModel : nn.Module
    {
        var manifest = ReadManifest(directory);
        if (manifest.Kind != kind)
        {
            throw new CheckpointException($"{Path.Combine(directory, ManifestFile)}: holds a '{manifest.Kind}' model, not a '{kind}' one.") { FilePath = Path.Combine(directory, ManifestFile) };
        }

        var weightsPath = Path.Combine(directory, WeightsFile);
        if (!File.Exists(weightsPath))
        {
            throw new CheckpointException($"{weightsPath}: weights file is missing.") { FilePath = weightsPath };
        }

        var hash = Sha256(weightsPath);
        if (!string.Equals(hash, manifest.WeightsSha256, StringComparison.OrdinalIgnoreCase))
        {
            throw new CheckpointException(
                $"{weightsPath}: SHA-256 {hash} does not match {ManifestFile} ({manifest.WeightsSha256}); the weights are corrupt, truncated or from another checkpoint.")
            { FilePath = weightsPath };
        }

        var configPath = Path.Combine(directory, ConfigFile);
        var config = ReadJson<GptConfig>(configPath);
        Guard(configPath, "is not a valid model configuration", _ => config.Validate());
        var tokenizerPath = Path.Combine(directory, CompactTokenizer.FileName);
        CompactTokenizer tokenizer = null!;
        Guard(tokenizerPath, "cannot be read", _ => tokenizer = CompactTokenizer.Load(directory));
        if (tokenizer.Count != config.VocabSize)
        {
            throw new CheckpointException($"{configPath}: VocabSize {config.VocabSize} differs from the {tokenizer.Count} tokens of {CompactTokenizer.FileName}.") { FilePath = configPath };
        }

        var model = create(config);
        try
        {
            Guard(weightsPath, $"does not fit {ConfigFile} ({config})", p => model.load(p, strict: true));
            if (device is not null && device.type != DeviceType.CPU)
            {
                model.to(device);
            }
        }
        catch
        {
            model.Dispose();
            throw;
        }

        return new Checkpoint<TModel>(directory, model, config, tokenizer, manifest);
    }

    internal static T ReadJson<T>(string path)
    {
        if (!File.Exists(path))
        {
            throw new CheckpointException($"{path}: file is missing.") { FilePath = path };
        }

        try
        {
            return JsonSerializer.Deserialize<T>(File.ReadAllText(path), Json)
                   ?? throw new CheckpointException($"{path}: file is empty (null).") { FilePath = path };
        }
        catch (JsonException e)
        {
            throw new CheckpointException($"{path}: not a valid {typeof(T).Name} ({e.Message}).", e) { FilePath = path };
        }
    }

    /// <summary>Runs <paramref name="action"/> on a file and turns any failure into a <see cref="CheckpointException"/> naming it.</summary>
    internal static void Guard(string path, string problem, Action<string> action)
    {
        if (!File.Exists(path))
        {
            throw new CheckpointException($"{path}: file is missing.") { FilePath = path };
        }

        try
        {
            action(path);
        }
        catch (Exception e) when (e is not CheckpointException and not OutOfMemoryException)
        {
            throw new CheckpointException($"{path}: {problem}: {e.Message}", e) { FilePath = path };
        }
    }

    /// <summary>Moves the finished temporary folder to <paramref name="target"/>; an existing checkpoint is moved aside first
    /// and deleted only once the new one is in place (restored if the move fails).</summary>
    private static void Replace(string target, string temporary)
    {
        if (!System.IO.Directory.Exists(target))
        {
            System.IO.Directory.Move(temporary, target);
            return;
        }

        var old = Path.Combine(Path.GetDirectoryName(target)!, $".{Path.GetFileName(target)}.replaced-{Guid.NewGuid():N}");
        System.IO.Directory.Move(target, old);
        try
        {
            System.IO.Directory.Move(temporary, target);
        }
        catch
        {
            System.IO.Directory.Move(old, target);
            throw;
        }

        TryDelete(old);
    }

    private static void TryDelete(string folder)
    {
        try
        {
            if (System.IO.Directory.Exists(folder))
            {
                System.IO.Directory.Delete(folder, recursive: true);
            }
        }
        catch (IOException)
        {
            // Best effort: a leftover dot-folder never counts as a checkpoint (it has another name).
        }
        catch (UnauthorizedAccessException)
        {
            // Same.
        }
    }

    private static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
