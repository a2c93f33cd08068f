using System.Text.Json.Serialization;

namespace CoopAgent.Alignment.Checkpoints;

/// <summary>What a checkpoint is (<c>manifest.json</c>): its name and parent, when it was made, what it scored,
/// how it was made, and the SHA-256 of its weights, against which <see cref="CheckpointStore"/> checks them.</summary>
/// <param name="Name">Version name, for example <c>sft-20261123-2040</c>; shown as the policy's version.</param>
/// <param name="Parent">Name of the checkpoint this one was trained from, or null.</param>
/// <param name="CreatedUtc">When it was written.</param>
/// <param name="Kind">What the weights are: <see cref="GptKind"/> (a policy) or <see cref="ScalarKind"/> (critic or reward model).</param>
/// <param name="Metrics">Figures measured on it (loss, reward, success rate …).</param>
/// <param name="Info">Free-form provenance: the command line, the seed, the data used.</param>
/// <param name="WeightsSha256">Lower-case hex SHA-256 of <c>weights.bin</c>; filled in by <see cref="CheckpointStore.Save"/>.</param>
public sealed record CheckpointManifest(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("parent")] string? Parent,
    [property: JsonPropertyName("created_utc")] DateTimeOffset CreatedUtc,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("metrics")] IReadOnlyDictionary<string, double> Metrics,
    [property: JsonPropertyName("info")] IReadOnlyDictionary<string, string> Info,
    [property: JsonPropertyName("weights_sha256")] string WeightsSha256)
{
    public const string GptKind = "gpt";
    public const string ScalarKind = "scalar";

    /// <summary>A manifest for a new checkpoint (the hash and time are set when it is saved).</summary>
    public static CheckpointManifest Create(
        string name, string kind = GptKind, string? parent = null,
        IReadOnlyDictionary<string, double>? metrics = null, IReadOnlyDictionary<string, string>? info = null) =>
        new(name, parent, DateTimeOffset.UtcNow, kind, metrics ?? new Dictionary<string, double>(), info ?? new Dictionary<string, string>(), string.Empty);
}

/// <summary>Where training stood when a checkpoint was written, so that a run can resume.</summary>
/// <param name="Step">Optimizer steps taken.</param>
/// <param name="Seed">The run's seed.</param>
public sealed record TrainingState(
    [property: JsonPropertyName("step")] int Step,
    [property: JsonPropertyName("seed")] long Seed);

/// <summary>A checkpoint that is missing a file, corrupt, truncated or inconsistent. The message names the file and the problem.</summary>
public sealed class CheckpointException : Exception
{
    public CheckpointException()
    {
    }

    public CheckpointException(string message) : base(message)
    {
    }

    public CheckpointException(string message, Exception innerException) : base(message, innerException)
    {
    }

    /// <summary>The file (or folder) at fault.</summary>
    public string? FilePath { get; init; }
}
