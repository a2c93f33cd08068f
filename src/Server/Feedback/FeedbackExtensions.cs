using System.Security.Claims;
using CoopAgent.Server.Identity;

namespace CoopAgent.Server.Feedback;

/// <summary>Wiring of the feedback store and its HTTP API.</summary>
public static class FeedbackExtensions
{
    /// <summary>One <see cref="FeedbackStore"/> (one LiteDB file) for the whole process, in the data folder.</summary>
    public static IServiceCollection AddFeedbackStore(this IServiceCollection services) =>
        services.AddSingleton(sp => new FeedbackStore(Path.GetFullPath(sp.GetRequiredService<ServerOptions>().DataDirectory)));

    /// <summary><c>GET /api/feedback/export</c>: JSONL of the caller's feedback (everyone's for the operator).</summary>
    public static IEndpointRouteBuilder MapFeedbackApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/feedback/export", async (HttpContext context, ClaimsPrincipal principal, FeedbackStore store) =>
            {
                var userId = principal.IsOperator() ? null : principal.UserId();
                context.Response.ContentType = "application/x-ndjson; charset=utf-8";
                context.Response.Headers.ContentDisposition = "attachment; filename=\"coopagent-feedback.jsonl\"";
                var lines = store.FeedbackWithTurns(userId).Select(pair => PreferenceExport.ToLine(pair.Feedback, pair.Turn));
                await PreferenceExport.WriteJsonLinesAsync(lines, context.Response.Body, context.RequestAborted);
            })
            .RequireAuthorization()
            .RequireRateLimiting(RateLimitingExtensions.HttpPolicy);
        return endpoints;
    }
}
