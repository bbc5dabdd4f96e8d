using AgentGuard.Http;
using Microsoft.Extensions.Options;

namespace AgentGuard.Gateway.Options;

/// <summary>Checks the gateway's configuration at startup, each problem said with what to write instead.</summary>
internal sealed class GatewayOptionsValidator : IValidateOptions<GatewayOptions>
{
    /// <summary>Shorter keys can be guessed; 16 characters of a random key are about 96 bits.</summary>
    public const int MinKeyLength = 16;

    public ValidateOptionsResult Validate(string? name, GatewayOptions options)
    {
        var errors = new List<string>();
        if (options.Routes.Count == 0)
        {
            errors.Add("Gateway:Routes is empty: add a route, for example Gateway:Routes:openai with Provider \"openai\" and Upstream \"https://api.openai.com\".");
        }

        foreach (var (prefix, route) in options.Routes)
        {
            if (prefix.Length == 0 || !prefix.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            {
                errors.Add($"Gateway:Routes:{prefix}: a route's name is its path prefix and may hold only letters, digits, '-', '_' and '.'.");
            }

            if (!AgentGuardProviders.IsKnown(route.Provider))
            {
                errors.Add($"Gateway:Routes:{prefix}:Provider is '{route.Provider}': name one of {AgentGuardProviders.KnownNames}.");
            }

            if (route.Upstream is not { IsAbsoluteUri: true } upstream || (upstream.Scheme != Uri.UriSchemeHttps && upstream.Scheme != Uri.UriSchemeHttp))
            {
                errors.Add($"Gateway:Routes:{prefix}:Upstream must be an absolute http or https URL (https://api.openai.com).");
            }
            else if (upstream.Query.Length > 0)
            {
                errors.Add($"Gateway:Routes:{prefix}:Upstream has a query ('{upstream.Query}'): the client's query is forwarded, give the upstream without one.");
            }
        }

        if (options.Keys.Count == 0)
        {
            errors.Add("Gateway:Keys is empty: every call must present a gateway key. Add one: Gateway:Keys:0:Name and Gateway:Keys:0:Key (a random string of at least 16 characters).");
        }

        var keys = new HashSet<string>(StringComparer.Ordinal);
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < options.Keys.Count; i++)
        {
            var key = options.Keys[i];
            if (string.IsNullOrWhiteSpace(key.Name))
            {
                errors.Add($"Gateway:Keys:{i}:Name is empty: name who the key is for (logs say the name, never the key).");
            }
            else if (!names.Add(key.Name))
            {
                errors.Add($"Gateway:Keys:{i}:Name '{key.Name}' is used twice.");
            }

            if (key.Key.Length < MinKeyLength)
            {
                errors.Add($"Gateway:Keys:{i}:Key (for '{key.Name}') is shorter than {MinKeyLength} characters: use a random key (openssl rand -hex 32).");
            }
            else if (!keys.Add(key.Key))
            {
                errors.Add($"Gateway:Keys:{i}:Key (for '{key.Name}') is the key of another entry: each client needs its own.");
            }

            if (key.Scope is not null && GatewayScopes.TryParse(key.Scope, out _) is false)
            {
                errors.Add($"Gateway:Keys:{i}:Scope '{key.Scope}' is not a scope: write level:id segments joined by '/' (tenant:acme/agent:planner).");
            }
        }

        if (options.ActivityTimeout <= TimeSpan.Zero)
        {
            errors.Add($"Gateway:ActivityTimeout must be positive (default {GatewayOptions.DefaultActivityTimeout}).");
        }

        if (options.Ledger.Kind != GatewayLedgerKind.InMemory && string.IsNullOrWhiteSpace(options.Ledger.ConnectionString))
        {
            errors.Add($"Gateway:Ledger:ConnectionString is empty: a {options.Ledger.Kind} ledger needs one (a file path for SQLite).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
