namespace AgentGuard.Http.Estimation;

/// <summary>An upper bound of what one request can be billed, with the token counts it was priced from.</summary>
internal readonly record struct CostBound(long InputTokens, long OutputTokens, ServiceTier Tier, long Micros, bool FromTokenizer);
