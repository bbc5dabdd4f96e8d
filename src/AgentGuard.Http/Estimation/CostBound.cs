namespace AgentGuard.Http.Estimation;

/// <summary>
/// An upper bound of what one request can be billed, with the token counts it was priced from. <see cref="Input"/> lets
/// the same input bound be priced again with another output cap (the guard lowering a cap to fit the budget) without
/// counting the body again.
/// </summary>
internal readonly record struct CostBound(long InputTokens, long OutputTokens, ServiceTier Tier, long Micros, bool FromTokenizer, InputTokenBound Input = default);
