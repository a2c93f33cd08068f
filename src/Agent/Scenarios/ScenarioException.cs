namespace CoopAgent.Agent.Scenarios;

/// <summary>
/// A scenario file that cannot be used. <see cref="Path"/> is the JSON path of the offending field
/// (<c>home.rooms[2].containers[0].contents[1].kind</c>) and the message starts with it.
/// </summary>
public sealed class ScenarioException : Exception
{
    public ScenarioException(string path, string reason, string? source = null)
        : base($"{(source is null ? "" : source + ": ")}{(path.Length == 0 ? "(root)" : path)}: {reason}")
    {
        Path = path;
        Reason = reason;
        Origin = source;
    }

    public ScenarioException()
        : this("", "invalid scenario")
    {
    }

    public ScenarioException(string message)
        : this("", message)
    {
    }

    public ScenarioException(string message, Exception innerException)
        : base(message, innerException)
    {
        Path = "";
        Reason = message;
    }

    /// <summary>JSON path of the field at fault; empty for the whole document.</summary>
    public string Path { get; }

    /// <summary>What is wrong with it.</summary>
    public string Reason { get; }

    /// <summary>The file or resource name the scenario came from, when known.</summary>
    public string? Origin { get; }
}
