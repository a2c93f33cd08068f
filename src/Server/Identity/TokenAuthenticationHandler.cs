using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using CoopAgent.Server.Feedback;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace CoopAgent.Server.Identity;

/// <summary>
/// Authenticates a request by the per-user token issued on first visit: the <c>Authorization: Bearer</c>
/// header, or the <c>access_token</c> query parameter on the hub (browsers cannot set headers on
/// WebSockets). The operator token from configuration authenticates as the operator role.
/// </summary>
public sealed class TokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    FeedbackStore store,
    ServerOptions serverOptions)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    /// <summary>The scheme name.</summary>
    public const string SchemeName = "CoopToken";

    /// <summary>The role of the operator token.</summary>
    public const string OperatorRole = "operator";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var token = ReadToken(Request);
        if (string.IsNullOrEmpty(token))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        if (IsOperatorToken(token))
        {
            return Task.FromResult(Success(OperatorRole, OperatorRole));
        }

        var userId = store.FindUserId(token);
        return Task.FromResult(userId is null
            ? AuthenticateResult.Fail("Unknown token: ask for a new one at POST /api/identity.")
            : Success(userId, "user"));
    }

    private bool IsOperatorToken(string token) =>
        !string.IsNullOrEmpty(serverOptions.OperatorToken)
        && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(token), Encoding.UTF8.GetBytes(serverOptions.OperatorToken));

    private static AuthenticateResult Success(string id, string role)
    {
        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.NameIdentifier, id), new Claim(ClaimTypes.Name, id), new Claim(ClaimTypes.Role, role)],
            SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    private static string? ReadToken(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return header["Bearer ".Length..].Trim();
        }

        // Only the hub takes the token from the query string, where the SignalR client puts it.
        return request.Path.StartsWithSegments(ChatEndpoints.HubPath) ? request.Query["access_token"].ToString() : null;
    }
}
