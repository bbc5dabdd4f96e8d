namespace AgentGuard.Http.Providers.OpenAI;

/// <summary>The operations of the OpenAI API that the guard bounds, reserves and settles; one instance each, shared.</summary>
internal static class OpenAIOperations
{
    public static ChatCompletionsOperation ChatCompletions { get; } = new();

    public static ResponsesOperation Responses { get; } = new();

    public static EmbeddingsOperation Embeddings { get; } = new();

    public static CompletionsOperation Completions { get; } = new();
}
