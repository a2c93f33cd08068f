using CoopAgent.Server.Sessions;

namespace CoopAgent.Server;

/// <summary>Wiring of the chat: SignalR with its limits, the sessions, the inference worker, and the hub route.</summary>
public static class ChatEndpoints
{
    /// <summary>Where the hub listens.</summary>
    public const string HubPath = "/hubs/chat";

    public static IServiceCollection AddChat(this IServiceCollection services)
    {
        services.AddSignalR();
        // Uploaded scenarios travel as one hub message; leave room for them (JSON escaping can grow them)
        // so an oversized upload gets a readable refusal from the hub, not a dropped connection.
        services.AddOptions<Microsoft.AspNetCore.SignalR.HubOptions>()
            .Configure<ServerOptions>((hub, options) =>
                hub.MaximumReceiveMessageSize = (4L * Math.Max(options.ScenarioMaxBytes, options.MessageMaxBytes)) + 16 * 1024);
        services.AddSingleton<SessionRegistry>();
        services.AddSingleton<InferenceWorker>();
        services.AddSingleton<IConversationEngine, CooperativeConversationEngine>();
        return services;
    }

    public static IEndpointRouteBuilder MapChat(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHub<Hubs.ChatHub>(HubPath);
        endpoints.MapGet("/health", (IConversationEngine engine) => Results.Ok(new
        {
            status = "ok",
            policy = new { version = engine.Policy.Version, trained = engine.Policy.Trained, source = engine.Policy.Source, precision = engine.Policy.Precision },
        }));
        return endpoints;
    }
}
