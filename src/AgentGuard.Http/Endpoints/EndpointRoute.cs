namespace AgentGuard.Http.Endpoints;

/// <summary>What the guard does with a request, decided from its method and path alone.</summary>
internal enum RouteAction
{
    /// <summary>Costs nothing (reads, deletes, free endpoints): sent untouched.</summary>
    PassThrough,

    /// <summary>A call the guard bounds, reserves and settles.</summary>
    Guard,

    /// <summary><c>GET /responses/{id}</c>: sent untouched, then read to settle a background response held by the guard.</summary>
    RetrieveResponse,

    /// <summary>A POST that can cost money the guard cannot bound: refused unless allowed by name.</summary>
    Unbounded,
}

/// <summary>
/// The route of one request. <see cref="Name"/> is the path below the API root with ids replaced by <c>{id}</c>
/// (<c>chat/completions</c>, <c>images/generations</c>, <c>vector_stores/{id}/files</c>): the name users allow
/// unbounded endpoints by. <see cref="IsAzure"/> marks Azure OpenAI paths, whose <c>model</c> names a deployment;
/// <see cref="Deployment"/> is the deployment named by the path (<c>/openai/deployments/{deployment}/...</c>).
/// </summary>
internal readonly record struct EndpointRoute(RouteAction Action, string Name, OpenAIEndpoint Endpoint = default, bool IsAzure = false, string? Deployment = null, string? ResponseId = null)
{
    public static EndpointRoute PassThrough { get; } = new(RouteAction.PassThrough, "");
}
