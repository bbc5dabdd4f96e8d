namespace AgentGuard.Http.Providers;

/// <summary>
/// The route of one request: the provider that serves it, what the guard does with it, and the operation that bounds and
/// settles it. <see cref="Name"/> is the path below the provider's API root with ids replaced by <c>{id}</c>
/// (<c>chat/completions</c>, <c>images/generations</c>, <c>vector_stores/{id}/files</c>): the name users allow unbounded
/// endpoints by. <see cref="Deployment"/> is a model or deployment named by the path (Azure OpenAI's
/// <c>/openai/deployments/{deployment}/...</c>), so that the body may leave <c>model</c> out.
/// </summary>
internal readonly record struct ProviderRoute(
    RouteAction Action, string Name, LlmProvider? Provider = null, LlmOperation? Operation = null, string? Deployment = null, string? ResponseId = null)
{
    public static ProviderRoute PassThrough { get; } = new(RouteAction.PassThrough, "");
}
