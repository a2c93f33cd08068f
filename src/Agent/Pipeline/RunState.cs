using System.Text.Json;
using System.Text.Json.Serialization;

namespace CoopAgent.Agent.Pipeline;

/// <summary>
/// <c>run.json</c> of an output folder: what the run is (preset, algorithm, seed) and how far it got, so
/// <c>--resume</c> continues where it stopped and refuses a folder made by a different run. Written to a
/// temporary file and renamed, so it is never half a file.
/// </summary>
public sealed record RunState(
    [property: JsonPropertyName("preset")] string Preset,
    [property: JsonPropertyName("algo")] string Algorithm,
    [property: JsonPropertyName("seed")] int Seed,
    [property: JsonPropertyName("completed")] IReadOnlyList<string> Completed,
    [property: JsonPropertyName("ppo_iterations_done")] int PpoIterationsDone = 0,
    [property: JsonPropertyName("kl_coefficient")] double? KlCoefficient = null,
    [property: JsonPropertyName("best_gold")] double? BestGold = null,
    [property: JsonPropertyName("best_iteration")] int? BestIteration = null)
{
    public const string FileName = "run.json";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public bool Done(string stage) => Completed.Contains(stage);

    public RunState Complete(string stage) => this with { Completed = [.. Completed.Where(s => s != stage), stage] };

    public static RunState? Read(string folder)
    {
        var path = Path.Combine(folder, FileName);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<RunState>(File.ReadAllText(path))
                ?? throw new InvalidDataException($"{path}: empty run state.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a run state ({e.Message}). Start a fresh run in another --out folder.", e);
        }
    }

    public void Write(string folder)
    {
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, FileName);
        var temporary = path + ".writing";
        File.WriteAllText(temporary, JsonSerializer.Serialize(this, Json));
        File.Move(temporary, path, overwrite: true);
    }
}
