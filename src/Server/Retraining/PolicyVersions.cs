using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using CoopAgent.Alignment.Checkpoints;

namespace CoopAgent.Server.Retraining;

/// <summary>What <see cref="PolicyVersions.Promote"/> records about a promotion (<c>promotion.json</c> in the new
/// version's folder; its counts and metrics also go into the version's <c>manifest.json</c>).</summary>
/// <param name="DataCounts">Sizes of the training data: pairs per kind, demonstrations, held-out pairs, replay pairs.</param>
/// <param name="Metrics">What was measured on the candidate and on the serving policy (gate figures, reward-model accuracy).</param>
/// <param name="GateDecision">Why the gate let it through, one reason a line.</param>
public sealed record PromotionRecord(
    [property: JsonPropertyName("data_counts")] IReadOnlyDictionary<string, int> DataCounts,
    [property: JsonPropertyName("metrics")] IReadOnlyDictionary<string, double> Metrics,
    [property: JsonPropertyName("gate_decision")] IReadOnlyList<string> GateDecision)
{
    /// <summary>The version serving when this one was promoted (<see cref="PolicyVersions.Rollback"/> returns to it); set by Promote.</summary>
    [JsonPropertyName("parent")]
    public string? Parent { get; init; }

    /// <summary>The version's own folder name; set by Promote.</summary>
    [JsonPropertyName("version")]
    public string? Version { get; init; }

    [JsonPropertyName("promoted_utc")]
    public DateTimeOffset PromotedUtc { get; init; }
}

/// <summary>
/// The versions of one named policy under a policies root: the base folder <c>&lt;root&gt;/&lt;name&gt;</c> (for example
/// <c>policies/default</c>) and promoted folders <c>&lt;root&gt;/&lt;name&gt;-v2</c>, <c>-v3</c>, … The serving version is
/// named by the pointer file <c>&lt;root&gt;/&lt;name&gt;.current</c> (one line: the folder name); without a pointer the
/// base folder serves.
/// </summary>
/// <remarks>
/// Every change is atomic on one file system: a new version is copied into a dot-folder and renamed into place
/// (a crash leaves a dot-folder no listing counts, cleaned at the next promotion), and the pointer is written to a
/// temporary file and moved over the old one, so a reader sees the old version or the new one, never a half.
/// Promotions and rollbacks of one policy are serialised by a lock file, across processes too.
/// </remarks>
public sealed partial class PolicyVersions
{
    /// <summary>The file in a promoted version that says where it came from.</summary>
    public const string PromotionFile = "promotion.json";

    private const string PointerSuffix = ".current";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    private readonly string _root;

    /// <param name="policyFolder">A policy folder, for example <c>policies/default</c>; a <c>-vN</c> folder names the same
    /// policy as its base (<c>policies/default-v3</c> → <c>default</c>). The folder itself need not exist yet.</param>
    public PolicyVersions(string policyFolder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(policyFolder);
        var full = Path.GetFullPath(policyFolder.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar));
        _root = Path.GetDirectoryName(full) ?? throw new ArgumentException($"'{policyFolder}' has no parent folder.", nameof(policyFolder));
        var folder = Path.GetFileName(full);
        var match = VersionName().Match(folder);
        Name = match.Success ? match.Groups["name"].Value : folder;
    }

    /// <summary>The policy's base name (<c>default</c>).</summary>
    public string Name { get; }

    /// <summary>The folder holding the versions.</summary>
    public string Root => _root;

    /// <summary>The pointer file naming the serving version.</summary>
    public string PointerFile => Path.Combine(_root, Name + PointerSuffix);

    /// <summary>The serving version's folder name, read from the pointer on every call (the base name when there is no pointer).</summary>
    /// <exception cref="InvalidDataException">The pointer names something that is not a version of this policy, or a folder that is gone.</exception>
    public string CurrentVersion
    {
        get
        {
            string text;
            try
            {
                text = File.ReadAllText(PointerFile).Trim();
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                return Name;
            }

            if (text != Name && !(VersionName().Match(text) is { Success: true } m && m.Groups["name"].Value == Name))
            {
                throw new InvalidDataException($"{PointerFile}: '{text}' is not a version of policy '{Name}'; write '{Name}' or '{Name}-vN' into it, or delete it to serve {Name}.");
            }

            return Directory.Exists(Path.Combine(_root, text))
                ? text
                : throw new InvalidDataException($"{PointerFile}: names '{text}', but {Path.Combine(_root, text)} does not exist; write an existing version into it, or delete it to serve {Name}.");
        }
    }

    /// <summary>Full path of the serving version's folder (re-reads the pointer on every call).</summary>
    public string CurrentFolder => Path.Combine(_root, CurrentVersion);

    /// <summary>The version folders that exist, oldest first: the base folder, then <c>-v2</c>, <c>-v3</c>, …</summary>
    public IReadOnlyList<string> Versions
    {
        get
        {
            var versions = new List<string>();
            if (Directory.Exists(Path.Combine(_root, Name)))
            {
                versions.Add(Name);
            }

            if (Directory.Exists(_root))
            {
                versions.AddRange(Directory.EnumerateDirectories(_root, Name + "-v*")
                    .Select(Path.GetFileName)
                    .Select(f => (Folder: f!, Number: NumberOf(f!)))
                    .Where(v => v.Number > 0)
                    .OrderBy(v => v.Number)
                    .Select(v => v.Folder));
            }

            return versions;
        }
    }

    /// <summary>
    /// Makes <paramref name="candidatePolicyFolder"/> the next version and points the policy at it: checks the candidate
    /// loads (weights match their hash), copies it into <c>&lt;root&gt;/.&lt;name&gt;-vN.tmp-&lt;guid&gt;</c>, flushes every file,
    /// renames the copy to <c>&lt;name&gt;-vN</c> with its manifest renamed, parented to the serving version and carrying the
    /// record's counts and metrics, and writes <see cref="PromotionFile"/>; then moves the pointer.
    /// </summary>
    /// <returns>The new version's folder name, for example <c>default-v2</c>.</returns>
    /// <exception cref="CheckpointException">The candidate is not a complete, uncorrupted policy checkpoint (nothing changes).</exception>
    public string Promote(string candidatePolicyFolder, PromotionRecord record)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(candidatePolicyFolder);
        ArgumentNullException.ThrowIfNull(record);
        Verify(candidatePolicyFolder);
        using var guard = Lock();
        CleanAbandonedCopies();
        var parent = CurrentVersion;
        var number = Math.Max(2, Versions.Select(NumberOf).DefaultIfEmpty(0).Max() + 1);
        var version = $"{Name}-v{number.ToString(CultureInfo.InvariantCulture)}";
        var temporary = Path.Combine(_root, $".{version}.tmp-{Guid.NewGuid():N}");
        try
        {
            CopyFolder(candidatePolicyFolder, temporary);
            var manifestPath = Path.Combine(temporary, CheckpointStore.ManifestFile);
            var manifest = CheckpointStore.ReadManifest(temporary);
            var metrics = new Dictionary<string, double>(manifest.Metrics);
            foreach (var (key, value) in record.Metrics)
            {
                metrics[key] = value;
            }

            var info = new Dictionary<string, string>(manifest.Info) { ["trained_as"] = manifest.Name, ["gate"] = string.Join(" ", record.GateDecision) };
            foreach (var (key, value) in record.DataCounts)
            {
                info["data_" + key] = value.ToString(CultureInfo.InvariantCulture);
            }

            // The weights are unchanged, so their hash still holds; the name becomes the version the server reports per turn.
            WriteDurably(manifestPath, JsonSerializer.Serialize(manifest with { Name = version, Parent = parent, Metrics = metrics, Info = info }, Json));
            var written = record with { Parent = parent, Version = version, PromotedUtc = DateTimeOffset.UtcNow };
            WriteDurably(Path.Combine(temporary, PromotionFile), JsonSerializer.Serialize(written, Json));
            Directory.Move(temporary, Path.Combine(_root, version));
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }

        Point(version);
        return version;
    }

    /// <summary>Points the policy back at the version that was serving before the current one (its parent) and returns its name.</summary>
    /// <exception cref="InvalidOperationException">The base version serves (nothing before it), or the parent folder is gone.</exception>
    public string Rollback()
    {
        using var guard = Lock();
        var current = CurrentVersion;
        var parent = ParentOf(current)
            ?? throw new InvalidOperationException($"{current} is the first version of policy '{Name}': there is no earlier version to roll back to.");
        if (!Directory.Exists(Path.Combine(_root, parent)))
        {
            throw new InvalidOperationException($"{current} was promoted over {parent}, but {Path.Combine(_root, parent)} no longer exists; write a version into {PointerFile} by hand.");
        }

        Point(parent);
        return parent;
    }

    /// <summary>The promotion record of a promoted version, or null for the base version (or a folder without one).</summary>
    public PromotionRecord? PromotionOf(string version)
    {
        var path = Path.Combine(_root, version, PromotionFile);
        return File.Exists(path) ? JsonSerializer.Deserialize<PromotionRecord>(File.ReadAllText(path), Json) : null;
    }

    private string? ParentOf(string version) => version == Name ? null : PromotionOf(version)?.Parent;

    private static void Verify(string candidate)
    {
        if (!Directory.Exists(candidate))
        {
            throw new CheckpointException($"{candidate}: no candidate policy folder there.") { FilePath = candidate };
        }

        // Loading checks every file (hash of the weights, config, tokenizer, shapes); a broken candidate never becomes a version.
        CheckpointStore.LoadGpt(candidate).Model.Dispose();
    }

    private void Point(string version)
    {
        var temporary = Path.Combine(_root, $".{Name}{PointerSuffix}.tmp-{Guid.NewGuid():N}");
        WriteDurably(temporary, version + "\n");
        File.Move(temporary, PointerFile, overwrite: true);
    }

    private void CleanAbandonedCopies()
    {
        // Called under the lock: any copy still here was left by a promotion that crashed.
        foreach (var folder in Directory.EnumerateDirectories(_root, $".{Name}-v*.tmp-*"))
        {
            TryDelete(folder);
        }
    }

    private FileStream Lock()
    {
        Directory.CreateDirectory(_root);
        var path = Path.Combine(_root, $".{Name}.lock");
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (attempt < 600)
            {
                Thread.Sleep(100);
            }
        }
    }

    private int NumberOf(string folder)
    {
        var match = VersionName().Match(folder);
        return match.Success && match.Groups["name"].Value == Name && int.TryParse(match.Groups["n"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;
    }

    private static void CopyFolder(string source, string target)
    {
        Directory.CreateDirectory(target);
        foreach (var file in Directory.EnumerateFiles(source))
        {
            var destination = Path.Combine(target, Path.GetFileName(file));
            using (var input = File.OpenRead(file))
            using (var output = new FileStream(destination, FileMode.CreateNew, FileAccess.Write))
            {
                input.CopyTo(output);
                output.Flush(flushToDisk: true);
            }
        }

        foreach (var folder in Directory.EnumerateDirectories(source).Where(d => !Path.GetFileName(d).StartsWith('.')))
        {
            CopyFolder(folder, Path.Combine(target, Path.GetFileName(folder)));
        }
    }

    private static void WriteDurably(string path, string text)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write);
        using (var writer = new StreamWriter(stream, leaveOpen: true))
        {
            writer.Write(text);
        }

        stream.Flush(flushToDisk: true);
    }

    private static void TryDelete(string folder)
    {
        try
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: a dot-folder is never listed as a version, and the next promotion tries again.
        }
    }

    [GeneratedRegex(@"^(?<name>.+)-v(?<n>[0-9]+)$", RegexOptions.CultureInvariant)]
    private static partial Regex VersionName();
}
