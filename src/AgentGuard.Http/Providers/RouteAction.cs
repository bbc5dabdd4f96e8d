namespace AgentGuard.Http.Providers;

/// <summary>What the guard does with a request, decided from its method, host and path alone.</summary>
internal enum RouteAction
{
    /// <summary>Costs nothing (reads, deletes, free endpoints): sent untouched.</summary>
    PassThrough,

    /// <summary>A call the guard bounds, reserves and settles.</summary>
    Guard,

    /// <summary>A read whose answer may settle a reservation the guard holds (<c>GET /responses/{id}</c>): sent untouched, then read.</summary>
    RetrieveResponse,

    /// <summary>A POST that can cost money the guard cannot bound: refused unless allowed by name.</summary>
    Unbounded,
}
