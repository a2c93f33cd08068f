using System.Reflection;

namespace CoopAgent.Server.Cli;

/// <summary>The <c>coopagent</c> command: finds the verb, runs it, turns usage errors into exit code 2.</summary>
public static class CliApp
{
    public const string DefaultVerb = "serve";

    public static IReadOnlyList<ICliVerb> Verbs { get; } = typeof(CliApp).Assembly.GetTypes()
        .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(ICliVerb).IsAssignableFrom(t)
                    && t.GetConstructor(Type.EmptyTypes) is not null)
        .Select(t => (ICliVerb)Activator.CreateInstance(t)!)
        .OrderBy(v => v.Name, StringComparer.Ordinal)
        .ToList();

    public static async Task<int> RunAsync(string[] args, CancellationToken cancellationToken = default)
    {
        var verbName = args.Length > 0 && !args[0].StartsWith('-') ? args[0] : DefaultVerb;
        var rest = args.Length > 0 && !args[0].StartsWith('-') ? args[1..] : args;

        if (verbName is "help" or "--help" or "-h" || rest.Contains("--help"))
        {
            PrintHelp(Console.Out);
            return 0;
        }

        var verb = Verbs.FirstOrDefault(v => v.Name == verbName);
        if (verb is null)
        {
            Console.Error.WriteLine($"coopagent: unknown verb '{verbName}'.");
            PrintHelp(Console.Error);
            return 2;
        }

        try
        {
            if (verb.Name is not "import")
            {
                CoopAgent.Alignment.Devices.DeviceSelector.ConfigureThreads();
            }

            return await verb.RunAsync(new CliArgs(rest, FlagNames), cancellationToken).ConfigureAwait(false);
        }
        catch (CliUsageException e)
        {
            Console.Error.WriteLine($"coopagent {verb.Name}: {e.Message}");
            Console.Error.WriteLine($"usage: coopagent {verb.Name} {verb.Usage}");
            return 2;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine($"coopagent {verb.Name}: cancelled.");
            return 130;
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or IOException or FileNotFoundException or InvalidDataException
                                      or UnauthorizedAccessException or KeyNotFoundException or FormatException
                                      || e.GetType().Name.EndsWith("CheckpointException", StringComparison.Ordinal)
                                      || e.GetType().Name.EndsWith("ScenarioException", StringComparison.Ordinal))
        {
            // Expected failures (bad files, refused checkpoints, missing GPU) are one readable line, not a stack trace.
            Console.Error.WriteLine($"coopagent {verb.Name}: {e.Message}");
            if (Environment.GetEnvironmentVariable("COOPAGENT_DEBUG") == "1")
            {
                Console.Error.WriteLine(e);
            }

            return 1;
        }
    }

    /// <summary>Options that never take a value, so <c>--json out.txt</c> is not misread.</summary>
    private static readonly HashSet<string> FlagNames = new(StringComparer.Ordinal)
    {
        "json", "resume", "per-scenario", "help", "quiet", "force", "quick",
    };

    private static void PrintHelp(TextWriter writer)
    {
        var version = typeof(CliApp).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        writer.WriteLine($"coopagent {version} — a cooperative household assistant trained with RLHF");
        writer.WriteLine();
        writer.WriteLine("usage: coopagent <verb> [options]      (no verb: serve)");
        foreach (var verb in Verbs)
        {
            writer.WriteLine($"  {verb.Name,-11}{verb.Usage}");
        }
    }
}
