namespace AgentGuard.Http.Providers.OpenAI;

/// <summary>What the guard needs to know of an Embeddings request body (see <see cref="EmbeddingsRequestReader"/>).</summary>
internal sealed class EmbeddingsRequest : OpenAIRequest
{
    public override LlmOperation Operation => OpenAIOperations.Embeddings;

    /// <summary>The <c>input</c> items, whose tokens are all that is billed.</summary>
    public required TextOrTokenIds Input { get; init; }

    /// <summary>Embeddings have no output, so there is no cap to read or to set.</summary>
    public override int? OutputCap => null;

    /// <summary>Never written: the guard sets no cap on a request without output.</summary>
    public override string OutputCapMember => "max_tokens";
}
