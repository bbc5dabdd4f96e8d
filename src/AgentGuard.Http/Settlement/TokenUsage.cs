namespace AgentGuard.Http.Settlement;

/// <summary>What a response's <c>usage</c> says was billed, and at which tier.</summary>
internal readonly record struct TokenUsage(long PromptTokens, long CachedTokens, long CompletionTokens, string? ServiceTier);
