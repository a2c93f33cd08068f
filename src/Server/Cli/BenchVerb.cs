using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace CoopAgent.Server.Cli;

/// <summary>One part of <c>coopagent bench</c> (generation, PPO, agent turns, chat). Implementations are
/// discovered by reflection; each returns its figures under the names the issues give them.</summary>
public interface IBenchSection
{
    /// <summary>Short name for <c>--only</c>, for example <c>generation</c>.</summary>
    string Name { get; }

    /// <summary>Runs the measurement and returns named figures (rates, milliseconds, counts).</summary>
    Task<IReadOnlyDictionary<string, double>> RunAsync(BenchContext context, CancellationToken cancellationToken);
}

/// <summary>What every bench section may read: options given on the command line and a progress line.</summary>
public sealed class BenchContext(CliArgs args, TextWriter progress)
{
    public CliArgs Args { get; } = args;

    /// <summary>Human-readable progress (stderr), so stdout stays one JSON object with --json.</summary>
    public TextWriter Progress { get; } = progress;

    public bool Quick => Args.Flag("quick");
}

/// <summary><c>coopagent bench [--json] [--only NAME[,NAME]] [--quick]</c>: measures speed on this machine.</summary>
public sealed class BenchVerb : ICliVerb
{
    public string Name => "bench";

    public string Usage => "[--json] [--only SECTION[,SECTION]] [--quick]   measure speed on this machine";

    public async Task<int> RunAsync(CliArgs args, CancellationToken cancellationToken)
    {
        var json = args.Flag("json");
        var only = args.Get("only")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var context = new BenchContext(args, Console.Error);
        var sections = typeof(BenchVerb).Assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IBenchSection).IsAssignableFrom(t)
                        && t.GetConstructor(Type.EmptyTypes) is not null)
            .Select(t => (IBenchSection)Activator.CreateInstance(t)!)
            .OrderBy(s => s.Name, StringComparer.Ordinal)
            .ToList();
        if (only is not null)
        {
            var unknown = only.Where(o => sections.All(s => s.Name != o)).ToList();
            if (unknown.Count > 0)
            {
                throw new CliUsageException($"unknown bench section(s) {string.Join(", ", unknown)}; known: {string.Join(", ", sections.Select(s => s.Name))}");
            }

            sections = sections.Where(s => only.Contains(s.Name)).ToList();
        }

        // Options shared by sections (read lazily inside them) count as known before unknown ones are refused.
        _ = context.Quick;
        _ = args.Get("policy");
        args.RejectUnknown();
        var figures = new SortedDictionary<string, double>(StringComparer.Ordinal);
        foreach (var section in sections)
        {
            var clock = Stopwatch.StartNew();
            context.Progress.WriteLine($"[bench] {section.Name} …");
            var result = await section.RunAsync(context, cancellationToken);
            foreach (var (key, value) in result)
            {
                figures[key] = value;
            }

            context.Progress.WriteLine($"[bench] {section.Name} done in {clock.Elapsed.TotalSeconds:F1} s");
        }

        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(figures));
        }
        else
        {
            foreach (var (key, value) in figures)
            {
                Console.WriteLine($"{key,-32} {value.ToString("G6", CultureInfo.InvariantCulture)}");
            }
        }

        return 0;
    }
}
