using CoopAgent.Agent.Scenarios;

namespace CoopAgent.Server.Cli;

/// <summary><c>coopagent import knowno FILE --out DIR</c>: turns KnowNo/IntroPlan records into scenario files.</summary>
public sealed class ImportVerb : ICliVerb
{
    public string Name => "import";

    public string Usage => "knowno FILE --out DIR [--json]   KnowNo/IntroPlan records → scenario JSON files";

    public Task<int> RunAsync(CliArgs args, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        var output = args.Required("out");
        var json = args.Flag("json");
        args.RejectUnknown();
        if (args.Positionals.Count != 2 || args.Positionals[0] != "knowno")
        {
            throw new CliUsageException("give the format and the file: import knowno FILE --out DIR");
        }

        var file = args.Positionals[1];
        if (!File.Exists(file))
        {
            Console.Error.WriteLine($"coopagent import: no such file '{file}'");
            return Task.FromResult(1);
        }

        try
        {
            var written = KnowNoImporter.ImportFile(file, output);
            Console.WriteLine(json
                ? System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, object> { ["format"] = "knowno", ["scenarios"] = written.Count, ["out"] = Path.GetFullPath(output) })
                : $"imported {written.Count} scenario(s) into {output}");
            return Task.FromResult(0);
        }
        catch (Exception e) when (e is KnowNoFormatException or ScenarioException or IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"coopagent import: {file}: {e.Message}");
            return Task.FromResult(1);
        }
    }
}
