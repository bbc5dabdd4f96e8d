namespace AgentGuard.Http.Endpoints;

/// <summary>The OpenAI endpoints whose calls the guard bounds, reserves and settles.</summary>
internal enum OpenAIEndpoint
{
    ChatCompletions,
    Responses,
    Embeddings,
    Completions,
}

/// <summary>Names of the guarded endpoints as they appear in messages, logs and metrics.</summary>
internal static class OpenAIEndpointNames
{
    public static string Of(OpenAIEndpoint endpoint) => endpoint switch
    {
        OpenAIEndpoint.ChatCompletions => "Chat Completions",
        OpenAIEndpoint.Responses => "Responses",
        OpenAIEndpoint.Embeddings => "Embeddings",
        OpenAIEndpoint.Completions => "Completions",
        _ => endpoint.ToString(),
    };
}
