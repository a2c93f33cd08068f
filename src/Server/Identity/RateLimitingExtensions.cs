using System.Globalization;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;

namespace CoopAgent.Server.Identity;

/// <summary>Per-user limits on the HTTP API: a fixed window per user (per address before identity);
/// a refusal is HTTP 429 with <c>Retry-After</c> and a sentence saying when to come back.</summary>
public static class RateLimitingExtensions
{
    /// <summary>The policy name endpoints opt into.</summary>
    public const string HttpPolicy = "per-user";

    public static IServiceCollection AddCoopRateLimits(this IServiceCollection services)
    {
        services.AddSingleton<HubRateLimits>();
        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.OnRejected = async (context, cancellationToken) =>
            {
                var seconds = 60;
                if (context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter))
                {
                    seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
                }

                context.HttpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                await context.HttpContext.Response.WriteAsJsonAsync(
                    new { error = $"Too many requests: try again in {seconds} s." }, cancellationToken);
            };
            limiter.AddPolicy(HttpPolicy, context =>
            {
                var perMinute = context.RequestServices.GetRequiredService<ServerOptions>().HttpRequestsPerMinute;
                var key = context.User.FindFirstValue(ClaimTypes.NameIdentifier)
                          ?? "ip:" + context.Connection.RemoteIpAddress;
                return RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = perMinute,
                    Window = TimeSpan.FromMinutes(1),
                    QueueLimit = 0,
                });
            });
        });
        return services;
    }
}

/// <summary>Per-user limits on hub calls: chat messages, scenario uploads and everything else, each a
/// fixed window per user. The hub turns a refusal into an error the page shows.</summary>
public sealed class HubRateLimits : IDisposable
{
    private readonly PartitionedRateLimiter<string> _messages;
    private readonly PartitionedRateLimiter<string> _uploads;
    private readonly PartitionedRateLimiter<string> _calls;

    public HubRateLimits(ServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _messages = PerUser(options.MessagesPerMinute, TimeSpan.FromMinutes(1));
        _uploads = PerUser(options.ScenarioUploadsPerHour, TimeSpan.FromHours(1));
        _calls = PerUser(options.HubCallsPerMinute, TimeSpan.FromMinutes(1));
    }

    /// <summary>Takes one permit for <paramref name="userId"/>; null when granted, else the seconds to wait.</summary>
    public int? TryAcquire(HubCallKind kind, string userId)
    {
        var limiter = kind switch
        {
            HubCallKind.Message => _messages,
            HubCallKind.Upload => _uploads,
            _ => _calls,
        };
        using var lease = limiter.AttemptAcquire(userId);
        if (lease.IsAcquired)
        {
            return null;
        }

        return lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter)
            ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds))
            : 60;
    }

    public void Dispose()
    {
        _messages.Dispose();
        _uploads.Dispose();
        _calls.Dispose();
    }

    private static PartitionedRateLimiter<string> PerUser(int permits, TimeSpan window) =>
        PartitionedRateLimiter.Create<string, string>(user => RateLimitPartition.GetFixedWindowLimiter(
            user, _ => new FixedWindowRateLimiterOptions { PermitLimit = permits, Window = window, QueueLimit = 0 }));
}

/// <summary>Which budget a hub call draws on.</summary>
public enum HubCallKind
{
    Message,
    Upload,
    Other,
}
