namespace AgentGuard.Http.Providers;

/// <summary>
/// Picks the provider of a request and its route: the provider the request or the client names, else the provider that
/// owns the request's host, else the first whose path shape the request has (<see cref="LlmProviders.All"/>). One
/// instance per client, compiled with its policy: routing does no lookup but the request's own options.
/// </summary>
internal sealed class ProviderRouter(LlmProvider? named)
{
    /// <summary>The client's router when it names no provider.</summary>
    public static ProviderRouter ByRequest { get; } = new(null);

    public ProviderRoute Route(HttpRequestMessage request)
    {
        if (RequestTarget.Of(request) is not { } target)
        {
            return ProviderRoute.PassThrough;
        }

        return (NamedBy(request) ?? named ?? Owner(target.Host) ?? Claimant(target)).Route(target);
    }

    /// <summary>The provider the request names (<see cref="AgentGuardProviders.RequestOptionKey"/>): a gateway's route does.</summary>
    private static LlmProvider? NamedBy(HttpRequestMessage request)
    {
        if (!request.Options.TryGetValue(AgentGuardProviders.RequestOptionKey, out string? name))
        {
            return null;
        }

        return LlmProviders.Find(name) ?? throw new InvalidOperationException(
            $"The request names the provider '{name}' (HttpRequestMessage.Options, AgentGuardProviders.RequestOptionKey), which AgentGuard.Http does not know. " +
            $"Name one of: {LlmProviders.Names}.");
    }

    private static LlmProvider? Owner(string host)
    {
        if (host.Length == 0)
        {
            return null;
        }

        foreach (var provider in LlmProviders.All)
        {
            if (provider.OwnsHost(host))
            {
                return provider;
            }
        }

        return null;
    }

    private static LlmProvider Claimant(in RequestTarget target)
    {
        foreach (var provider in LlmProviders.All)
        {
            if (provider.ClaimsPath(target))
            {
                return provider;
            }
        }

        return LlmProviders.OpenAI;
    }
}
