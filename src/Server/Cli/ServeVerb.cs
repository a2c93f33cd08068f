namespace CoopAgent.Server.Cli;

/// <summary><c>coopagent serve</c>: the chat server (the default verb).</summary>
public sealed class ServeVerb : ICliVerb
{
    // Host options that WebApplicationFactory and 'dotnet run' may pass along; the host reads them itself.
    private static readonly string[] HostOptions = ["environment", "contentRoot", "applicationName", "urls"];

    public string Name => "serve";

    public string Usage => "[--urls URL] [--data DIR] [--policy DIR] [--operator-token T] [--retrain-every DURATION] [--retrain-preset tiny|default] [--policy-poll DURATION] [--inference-lanes N] [--precision fp32|bf16|auto] [--Limits:NAME=N]   the chat server (default verb)";

    public async Task<int> RunAsync(CliArgs args, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        // The host's command-line configuration reads these under the same names (see ServerOptions).
        _ = args.Get("data");
        _ = args.Get("policy");
        _ = args.Get("operator-token");
        // Checked here so that a typo is a usage error, not a host that fails to start.
        foreach (var option in new[] { "retrain-every", "policy-poll" })
        {
            if (args.Get(option) is { } text && !Hosting.Durations.TryParse(text, out _))
            {
                throw new CliUsageException($"--{option}: '{text}' is not {Hosting.Durations.Expected}");
            }
        }

        _ = args.Choice("retrain-preset", "default", [.. Retraining.RetrainSizes.Names]);
        if (args.Get("inference-lanes") is { } lanes && !(int.TryParse(lanes, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var count) && count is >= 1 and <= 64))
        {
            throw new CliUsageException($"--inference-lanes: '{lanes}' is not a whole number from 1 to 64");
        }

        _ = EvalVerb.Precision(args, "auto");
        foreach (var option in HostOptions)
        {
            _ = args.Get(option);
        }

        // Any other configuration key may be set as --Section:Key=value (the limits, logging levels); the
        // test host also passes the bare section (--Limits=) along with its keys.
        var configuration = args.Unread().Where(o => o.Contains(':', StringComparison.Ordinal)).ToList();
        foreach (var option in args.Unread().Where(o => configuration.Any(c => c.StartsWith(o + ":", StringComparison.Ordinal))).ToList())
        {
            args.Has(option);
        }

        foreach (var option in configuration)
        {
            args.Has(option);
        }

        args.RejectUnknown();
        var hostArgs = args.Raw.ToList();
        if (!args.Has("urls"))
        {
            hostArgs.Add("--urls=http://127.0.0.1:5000");
        }

        var app = ServerApp.Build([.. hostArgs]);
        // Load the policy now, so the log says at once which policy serves (or that none was found).
        _ = app.Services.GetRequiredService<Sessions.IConversationEngine>();
        await app.RunAsync(cancellationToken);
        return 0;
    }
}
