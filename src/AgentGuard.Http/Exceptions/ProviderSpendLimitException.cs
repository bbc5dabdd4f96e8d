using System.Globalization;

namespace AgentGuard.Http;

/// <summary>
/// The provider refused the call because the account's own spend limit or quota is reached (OpenAI's
/// <c>insufficient_quota</c>, <c>billing_hard_limit_reached</c>, ...). The call was not billed and its reservation was
/// released. Retrying does not help until the limit is raised or resets, so the guard surfaces it as a refusal that SDKs
/// do not retry, instead of the 429 they would retry.
/// </summary>
public sealed class ProviderSpendLimitException : AgentGuardException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="provider">The provider's name (<see cref="AgentGuardProviders"/>).</param>
    /// <param name="providerDisplayName">The provider as named in messages.</param>
    /// <param name="statusCode">The HTTP status the provider answered with.</param>
    /// <param name="code">The provider's error code.</param>
    /// <param name="providerMessage">The provider's error message, if any.</param>
    public ProviderSpendLimitException(string provider, string providerDisplayName, int statusCode, string code, string? providerMessage)
        : base(string.Create(CultureInfo.InvariantCulture, $"{providerDisplayName} refused the call because the account's own spend limit or quota is reached (HTTP {statusCode}, {code})")
            + (string.IsNullOrWhiteSpace(providerMessage) ? "" : ": " + providerMessage)
            + ". The call was not billed, and it is not retried: raise the limit in the provider's billing settings, or wait until it resets.")
    {
        Provider = provider;
        StatusCode = statusCode;
        Code = code;
    }

    /// <summary>The provider's name (<see cref="AgentGuardProviders"/>).</summary>
    public string Provider { get; }

    /// <summary>The HTTP status the provider answered with (429 or 400).</summary>
    public int StatusCode { get; }

    /// <summary>The provider's error code (<c>insufficient_quota</c>, <c>billing_hard_limit_reached</c>, ...).</summary>
    public string Code { get; }
}
