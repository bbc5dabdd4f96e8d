using AgentGuard.Http.Providers;

namespace AgentGuard.Http;

/// <summary>
/// The names of the providers AgentGuard.Http guards, as <see cref="AgentGuardOptions.Provider"/> and the prefixes of
/// <see cref="AgentGuardOptions.AllowedUnboundedEndpoints"/> take them. They are the values of OpenTelemetry's
/// <c>gen_ai.provider.name</c>, which the guard's metrics and spend log carry.
/// </summary>
public static class AgentGuardProviders
{
    /// <summary>OpenAI's API: api.openai.com, and any host that serves it (OpenAI-compatible servers).</summary>
    public const string OpenAI = "openai";

    /// <summary>Azure OpenAI: deployments priced through <see cref="AgentGuardOptions.AzureDeployments"/>.</summary>
    public const string AzureOpenAI = "azure.ai.openai";

    /// <summary>
    /// Names the provider of one request (<c>request.Options.Set(AgentGuardProviders.RequestOptionKey, AgentGuardProviders.OpenAI)</c>),
    /// over the client's <see cref="AgentGuardOptions.Provider"/> and over routing by host and path: for a gateway whose
    /// routes know their upstream's provider.
    /// </summary>
    public static HttpRequestOptionsKey<string> RequestOptionKey { get; } = new("AgentGuard.Http.Provider");

    /// <summary>
    /// Whether AgentGuard.Http guards the provider of that name (case-insensitive): what a gateway checks its routes
    /// against at startup, before any request names one.
    /// </summary>
    public static bool IsKnown(string? name) => LlmProviders.Find(name) is not null;

    /// <summary>The names of every provider AgentGuard.Http guards, comma-separated, for messages.</summary>
    public static string KnownNames => LlmProviders.Names;
}
