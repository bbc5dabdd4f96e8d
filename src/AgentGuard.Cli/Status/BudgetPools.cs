using AgentGuard.Cli.Ledgers;
using AgentGuard.Http;

namespace AgentGuard.Cli.Status;

/// <summary>Listing a ledger's pools, and the "unknown budget" and "unknown pool" errors that name what does exist.</summary>
internal static class BudgetPools
{
    /// <summary>Every pool (or every pool of <paramref name="budget"/>, which must exist), ordered by key.</summary>
    public static async Task<IReadOnlyList<BudgetPoolState>> ListAsync(OpenLedger ledger, string? budget, CancellationToken cancellationToken)
    {
        if (budget is null)
        {
            return await ledger.Ledger.ListPoolsAsync(null, cancellationToken).ConfigureAwait(false);
        }

        if (!BudgetPoolKeys.IsValidPart(budget))
        {
            throw new CliException($"'{budget}' is not a budget name: names may not contain / : @ {{ }}.");
        }

        // The prefix "agents" also matches "agents2": keep the budget's own pools only.
        var pools = (await ledger.Ledger.ListPoolsAsync(budget, cancellationToken).ConfigureAwait(false))
            .Where(p => BudgetPoolKeys.Root(p.Key) == budget)
            .ToList();
        if (pools.Count == 0)
        {
            throw new CliException($"No budget '{budget}' in {ledger.Description}. {await DescribeBudgetsAsync(ledger, cancellationToken).ConfigureAwait(false)}");
        }

        return pools;
    }

    /// <summary>The pool with this exact key; an error that names the budget's pools when there is none.</summary>
    public static async Task<BudgetPoolState> FindAsync(OpenLedger ledger, PoolKey key, CancellationToken cancellationToken)
    {
        var pools = await ListAsync(ledger, key.Budget, cancellationToken).ConfigureAwait(false);
        foreach (var pool in pools)
        {
            if (pool.Key == key.Key)
            {
                return pool;
            }
        }

        const int Shown = 10;
        string names = string.Join(", ", pools.Take(Shown).Select(p => p.Key)) + (pools.Count > Shown ? ", ..." : "");
        throw new CliException($"No pool '{key.Key}' in {ledger.Description}. Pools of the budget '{key.Budget}': {names}.");
    }

    /// <summary>"Budgets: a, b." or "It holds no budgets yet."</summary>
    public static async Task<string> DescribeBudgetsAsync(OpenLedger ledger, CancellationToken cancellationToken)
    {
        var all = await ledger.Ledger.ListPoolsAsync(null, cancellationToken).ConfigureAwait(false);
        var budgets = all.Select(p => BudgetPoolKeys.Root(p.Key)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        return budgets.Count == 0 ? "It holds no budgets yet." : $"Budgets: {string.Join(", ", budgets)}.";
    }
}
