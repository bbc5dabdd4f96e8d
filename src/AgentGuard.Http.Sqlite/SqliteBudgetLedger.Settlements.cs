namespace AgentGuard.Http.Sqlite;

public sealed partial class SqliteBudgetLedger
{
    // The lease and its pools in the reservation's order (no row: the lease is unknown).
    private const string SelectLeaseWithPools = """
        SELECT l.amount_micros, l.state, l.model, lp.pool_key, lp.expired_epoch, l.provider
        FROM leases l LEFT JOIN lease_pools lp ON lp.lease_id = l.id
        WHERE l.id = $id ORDER BY lp.position;
        """;
    private const string FinishLease = "UPDATE leases SET state = 2, finished_at = $now WHERE id = $id;";
    private const string SelectExpiredLeases = """
        SELECT id, amount_micros, expires_at, model, provider FROM leases WHERE state = 0 AND expires_at <= $now ORDER BY expires_at, id;
        """;
    private const string ExpireLease = """
        UPDATE lease_pools SET expired_epoch = (SELECT epoch FROM pools WHERE pools.key = lease_pools.pool_key) WHERE lease_id = $id;
        UPDATE pools SET reserved_micros = reserved_micros - $amount, spent_micros = spent_micros + $amount
        WHERE key IN (SELECT pool_key FROM lease_pools WHERE lease_id = $id);
        UPDATE leases SET state = 1, finished_at = $now WHERE id = $id;
        """;
    private const string AnyExpiredLease = "SELECT EXISTS (SELECT 1 FROM leases WHERE state = 0 AND expires_at <= $now);";
    private const string ForgetFinishedLeases = "DELETE FROM leases WHERE state <> 0 AND finished_at < $before;";

    /// <summary>
    /// A settlement inside a batch's transaction, on the batch's copy of the pools. Every amount is computed (and
    /// checked for overflow) before anything is written, so a settlement that cannot be applied fails alone.
    /// </summary>
    private static SettlementResult Settle(LedgerTransaction tx, BatchPools batchPools, SettlementRequest settlement)
    {
        bool found = false;
        long amount = 0;
        int state = LeaseActive;
        string? leaseModel = null;
        string? provider = null;
        var leasePools = new List<(string Key, long? ExpiredEpoch)>(1);
        using (var reader = tx.Command(SelectLeaseWithPools).With("$id", settlement.LeaseId).ExecuteReader())
        {
            while (reader.Read())
            {
                found = true;
                (amount, state, leaseModel, provider) = (reader.GetInt64(0), reader.GetInt32(1), reader.GetNullableString(2), reader.GetNullableString(5));
                if (!reader.IsDBNull(3))
                {
                    leasePools.Add((reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetInt64(4)));
                }
            }
        }

        if (!found)
        {
            return new SettlementResult(SettlementStatus.UnknownLease, []);
        }

        if (state == LeaseSettled)
        {
            return new SettlementResult(SettlementStatus.AlreadySettled, []);
        }

        long actual = settlement.CostMicros ?? 0;
        long charged = actual;
        var pools = new List<PoolRow>(leasePools.Count);
        var spent = new List<long>(leasePools.Count);
        foreach (var (key, expiredEpoch) in leasePools)
        {
            // A pool that no longer exists has nothing to settle (as an UPDATE of its row would change nothing).
            if (batchPools.Get(tx, key) is not { } pool)
            {
                continue;
            }

            if (state == LeaseActive)
            {
                spent.Add(checked(pool.Spent + actual));
            }
            else
            {
                // The expiry charged the full amount; refund down to (or charge up to) the actual cost, unless the pool
                // was reset since: the reset wiped that charge, and the call belongs to the period before it.
                charged = pool.Epoch == expiredEpoch ? actual - amount : 0;
                spent.Add(checked(pool.Spent + charged));
            }

            pools.Add(pool);
        }

        tx.Command(FinishLease).With("$id", settlement.LeaseId).With("$now", tx.Now).Run();
        var details = settlement.Details;
        SyncPath.Complete(AppendSpendLogAsync(tx, new SpendLogRow(
            tx.Now, settlement.LeaseId, provider, details.Model ?? leaseModel, details.InputTokens, details.CachedInputTokens, details.OutputTokens, charged, amount, details.Outcome)));
        var states = new BudgetPoolState[pools.Count];
        for (int i = 0; i < states.Length; i++)
        {
            var pool = pools[i];
            pool.Spent = spent[i];
            if (state == LeaseActive)
            {
                pool.Reserved -= amount;
            }

            states[i] = pool.State;
        }

        return new SettlementResult(state == LeaseActive ? SettlementStatus.Settled : SettlementStatus.SettledAfterExpiry, states);
    }

    /// <summary>Charges every lease that has expired by now its full amount, logging each; returns how many expired.</summary>
    private async ValueTask<int> SweepAsync(LedgerTransaction tx)
    {
        var expired = new List<(string Id, long Amount, long ExpiresAt, string? Model, string? Provider)>();
        await using (var reader = await tx.Command(SelectExpiredLeases).With("$now", tx.Now).ReaderAsync(tx.Async, tx.Ct).ConfigureAwait(false))
        {
            while (await reader.NextAsync(tx.Async, tx.Ct).ConfigureAwait(false))
            {
                expired.Add((reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetNullableString(3), reader.GetNullableString(4)));
            }
        }

        foreach (var lease in expired)
        {
            await tx.Command(ExpireLease).With("$id", lease.Id).With("$amount", lease.Amount).With("$now", tx.Now).RunAsync(tx.Async, tx.Ct).ConfigureAwait(false);
            await AppendSpendLogAsync(tx, new SpendLogRow(lease.ExpiresAt, lease.Id, lease.Provider, lease.Model, 0, 0, 0, lease.Amount, lease.Amount, SpendOutcome.LeaseExpired))
                .ConfigureAwait(false);
        }

        return expired.Count;
    }

    /// <summary>Applies expiry before a read when any lease is due, so that reads see what the next write would.</summary>
    private async ValueTask SweepIfDueAsync(bool async, CancellationToken cancellationToken)
    {
        bool due = await ReadAsync(0, static async (tx, _) =>
            (long)(await tx.Command(AnyExpiredLease).With("$now", tx.Now).ScalarAsync(tx.Async, tx.Ct).ConfigureAwait(false) ?? 0L) != 0,
            snapshot: false, async, cancellationToken).ConfigureAwait(false);
        if (due)
        {
            await WriteAsync(this, static (tx, ledger) => ledger.SweepAsync(tx), async, cancellationToken).ConfigureAwait(false);
        }
    }

    private ValueTask<int> SweepCoreAsync(CancellationToken cancellationToken) =>
        WriteAsync(this, static async (tx, ledger) =>
        {
            int expired = await ledger.SweepAsync(tx).ConfigureAwait(false);
            await ledger.ForgetFinishedLeasesAsync(tx).ConfigureAwait(false);
            return expired;
        }, async: true, cancellationToken);

    private async ValueTask ForgetFinishedLeasesAsync(LedgerTransaction tx)
    {
        long before = tx.Now - _finishedLeaseRetentionMs;
        await tx.Command(ForgetFinishedLeases).With("$before", before).RunAsync(tx.Async, tx.Ct).ConfigureAwait(false);
    }
}
