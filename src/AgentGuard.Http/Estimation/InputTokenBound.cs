namespace AgentGuard.Http.Estimation;

/// <summary>
/// Bounds of a request's input tokens. <see cref="Upper"/> is what the request is priced at;
/// <see cref="Lower"/> is what may shrink the output bound when the context window caps it,
/// because only a lower bound of the input can prove that less room is left for output.
/// </summary>
internal readonly record struct InputTokenBound(long Upper, long Lower, long PredictionUpper);
