using System.Security.Cryptography;
using System.Text;
using AgentGuard.Gateway.Options;
using AgentGuard.Http;
using Microsoft.Extensions.Options;

namespace AgentGuard.Gateway.Keys;

/// <summary>A client's key, found: who it is and what its calls are charged to.</summary>
internal sealed record GatewayClient(string Name, BudgetScope? Scope);

/// <summary>
/// The configured gateway keys, kept as SHA-256 digests and compared in constant time, so neither the table nor the
/// time a lookup takes tells a caller how much of a key it guessed.
/// </summary>
internal sealed class GatewayKeyTable
{
    /// <summary>Every header an official SDK sends its key in: OpenAI's, Anthropic's, Azure OpenAI's, Gemini's.</summary>
    public static readonly string[] CredentialHeaders = ["Authorization", "x-api-key", "api-key", "x-goog-api-key"];

    /// <summary>Gemini's SDKs and REST examples may send the key in the query instead.</summary>
    public const string CredentialQueryParameter = "key";

    private readonly (byte[] Digest, GatewayClient Client)[] _entries;

    public GatewayKeyTable(IOptions<GatewayOptions> options)
    {
        _entries = [.. options.Value.Keys.Select(k => (Digest(k.Key), new GatewayClient(k.Name, k.Scope is null ? null : Parse(k.Scope))))];
    }

    /// <summary>The client whose key the request presents, or <see langword="null"/> (no key, or an unknown one).</summary>
    public GatewayClient? Authenticate(HttpRequest request)
    {
        string? presented = PresentedKey(request);
        if (presented is null)
        {
            return null;
        }

        byte[] digest = Digest(presented);
        GatewayClient? found = null;
        foreach (var (known, client) in _entries)
        {
            // Every entry is compared, matched or not: the time taken does not say which one matched.
            if (CryptographicOperations.FixedTimeEquals(known, digest))
            {
                found = client;
            }
        }

        return found;
    }

    private static string? PresentedKey(HttpRequest request)
    {
        foreach (string header in CredentialHeaders)
        {
            string value = request.Headers[header].ToString();
            if (value.Length == 0)
            {
                continue;
            }

            return header == "Authorization" && value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
                ? value["Bearer ".Length..].Trim()
                : value.Trim();
        }

        return request.Query.TryGetValue(CredentialQueryParameter, out var key) && key.ToString().Length > 0 ? key.ToString() : null;
    }

    private static byte[] Digest(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    private static BudgetScope Parse(string scope) =>
        GatewayScopes.TryParse(scope, out var parsed) ? parsed : throw new InvalidOperationException($"Invalid scope '{scope}' (validated at startup).");
}
