namespace AgentGuard.Http.Sqlite;

/// <summary>A spend log row as stored: the time in Unix milliseconds, without its pools (kept in their own table).</summary>
internal readonly record struct SpendLogRow(
    long At,
    string LeaseId,
    string? Provider,
    string? Model,
    long InputTokens,
    long CachedInputTokens,
    long OutputTokens,
    long CostMicros,
    long ReservedMicros,
    SpendOutcome Outcome)
{
    public SpendLogEntry ToEntry(IReadOnlyList<string> pools) =>
        new(DateTimeOffset.FromUnixTimeMilliseconds(At), LeaseId, pools, Model, InputTokens, CachedInputTokens, OutputTokens, CostMicros, ReservedMicros, Outcome)
        {
            Provider = Provider,
        };
}
