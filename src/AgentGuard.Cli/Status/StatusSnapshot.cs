using AgentGuard.Cli.Ledgers;

namespace AgentGuard.Cli.Status;

/// <summary>The pools of a ledger at one moment (optionally one budget's).</summary>
internal sealed record StatusSnapshot(string Ledger, string? Budget, DateTimeOffset Time, IReadOnlyList<PoolStatus> Pools)
{
    public bool AnyExhausted => Pools.Any(p => p.Exhausted);

    public static async Task<StatusSnapshot> ReadAsync(OpenLedger ledger, string? budget, CancellationToken cancellationToken)
    {
        var pools = await BudgetPools.ListAsync(ledger, budget, cancellationToken).ConfigureAwait(false);
        return new StatusSnapshot(ledger.Description, budget, DateTimeOffset.UtcNow, [.. pools.Select(PoolStatus.From)]);
    }
}
