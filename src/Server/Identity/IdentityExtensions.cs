using System.Security.Claims;
using CoopAgent.Server.Feedback;

namespace CoopAgent.Server.Identity;

/// <summary>Wiring of identity: the token scheme, and <c>POST /api/identity</c> that issues tokens.</summary>
public static class IdentityExtensions
{
    public static IServiceCollection AddCoopIdentity(this IServiceCollection services)
    {
        services.AddAuthentication(TokenAuthenticationHandler.SchemeName)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, TokenAuthenticationHandler>(
                TokenAuthenticationHandler.SchemeName, _ => { });
        services.AddAuthorizationBuilder()
            .AddPolicy(TokenAuthenticationHandler.OperatorRole, p => p.RequireRole(TokenAuthenticationHandler.OperatorRole));
        return services;
    }

    public static IEndpointRouteBuilder MapIdentityApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api").RequireRateLimiting(RateLimitingExtensions.HttpPolicy);
        api.MapPost("/identity", (FeedbackStore store) =>
        {
            var (user, token) = store.CreateUser();
            return Results.Ok(new IssuedIdentity(user.Id, token));
        });
        api.MapGet("/me", (ClaimsPrincipal principal) => Results.Ok(new { userId = principal.UserId() }))
            .RequireAuthorization();
        return endpoints;
    }

    /// <summary>The pseudonymous user id of an authenticated principal.</summary>
    public static string UserId(this ClaimsPrincipal principal) =>
        principal?.FindFirstValue(ClaimTypes.NameIdentifier) ?? throw new InvalidOperationException("not authenticated");

    /// <summary>True for the operator token.</summary>
    public static bool IsOperator(this ClaimsPrincipal principal) =>
        principal?.IsInRole(TokenAuthenticationHandler.OperatorRole) == true;
}

/// <summary>A new identity: the pseudonymous id and the token the browser keeps.</summary>
public sealed record IssuedIdentity(string UserId, string Token);
