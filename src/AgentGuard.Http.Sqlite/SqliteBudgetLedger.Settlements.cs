namespace AgentGuard.Http.Sqlite;

public sealed partial class SqliteBudgetLedger
{
    private const string SelectLease = "SELECT amount_micros, state, model FROM leases WHERE id = $id;";
    private const string SettleActiveLease = """
        UPDATE pools SET reserved_micros = reserved_micros - $amount, spent_micros = spent_micros + $actual
        WHERE key IN (SELECT pool_key FROM lease_pools WHERE lease_id = $id);
        UPDATE leases SET state = 2, finished_at = $now WHERE id = $id;
        """;

    // The expiry charged the full amount; refund down to (or charge up to) the actual cost, unless the pool was reset
    // since: the reset wiped that charge, and the call belongs to the period before it, so nothing changes.
    private const string SelectLateCharge = """
        SELECT CASE WHEN p.epoch = lp.expired_epoch THEN $actual - $amount ELSE 0 END
        FROM lease_pools lp JOIN pools p ON p.key = lp.pool_key
        WHERE lp.lease_id = $id ORDER BY lp.position DESC LIMIT 1;
        """;
    private const string SettleExpiredLease = """
        UPDATE pools SET spent_micros = spent_micros + CASE
            WHEN epoch = (SELECT lp.expired_epoch FROM lease_pools lp WHERE lp.lease_id = $id AND lp.pool_key = pools.key) THEN $actual - $amount
            ELSE 0 END
        WHERE key IN (SELECT pool_key FROM lease_pools WHERE lease_id = $id);
        UPDATE leases SET state = 2, finished_at = $now WHERE id = $id;
        """;
    private const string SelectLeasePoolStates = """
        SELECT p.key, p.limit_micros, p.spent_micros, p.reserved_micros, p.refused_calls
        FROM lease_pools lp JOIN pools p ON p.key = lp.pool_key
        WHERE lp.lease_id = $id ORDER BY lp.position;
        """;
    private const string SelectExpiredLeases = """
        SELECT id, amount_micros, expires_at, model FROM leases WHERE state = 0 AND expires_at <= $now ORDER BY expires_at, id;
        """;
    private const string ExpireLease = """
        UPDATE lease_pools SET expired_epoch = (SELECT epoch FROM pools WHERE pools.key = lease_pools.pool_key) WHERE lease_id = $id;
        UPDATE pools SET reserved_micros = reserved_micros - $amount, spent_micros = spent_micros + $amount
        WHERE key IN (SELECT pool_key FROM lease_pools WHERE lease_id = $id);
        UPDATE leases SET state = 1, finished_at = $now WHERE id = $id;
        """;
    private const string AnyExpiredLease = "SELECT EXISTS (SELECT 1 FROM leases WHERE state = 0 AND expires_at <= $now);";
    private const string ForgetFinishedLeases = "DELETE FROM leases WHERE state <> 0 AND finished_at < $before;";

    private ValueTask<SettlementResult> SettleCoreAsync(SettlementRequest settlement, bool async, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settlement);
        ArgumentNullException.ThrowIfNull(settlement.LeaseId);
        ArgumentNullException.ThrowIfNull(settlement.Details);
        ArgumentOutOfRangeException.ThrowIfNegative(settlement.CostMicros ?? 0, nameof(settlement));
        bool prune = Interlocked.Increment(ref _settlementsSincePrune) % SqliteLedgerDefaults.PruneEverySettlements == 0;
        return WriteAsync((ledger: this, settlement, prune), static async (tx, state) =>
        {
            var result = await state.ledger.SettleAsync(tx, state.settlement).ConfigureAwait(false);
            if (state.prune)
            {
                await state.ledger.ForgetFinishedLeasesAsync(tx).ConfigureAwait(false);
            }

            return result;
        }, async, cancellationToken);
    }

    private async ValueTask<SettlementResult> SettleAsync(LedgerTransaction tx, SettlementRequest settlement)
    {
        await SweepAsync(tx).ConfigureAwait(false);
        long amount;
        int state;
        string? leaseModel;
        await using (var reader = await tx.Command(SelectLease).With("$id", settlement.LeaseId).ReaderAsync(tx.Async, tx.Ct).ConfigureAwait(false))
        {
            if (!await reader.NextAsync(tx.Async, tx.Ct).ConfigureAwait(false))
            {
                return new SettlementResult(SettlementStatus.UnknownLease, []);
            }

            (amount, state, leaseModel) = (reader.GetInt64(0), reader.GetInt32(1), reader.GetNullableString(2));
        }

        if (state == LeaseSettled)
        {
            return new SettlementResult(SettlementStatus.AlreadySettled, []);
        }

        long actual = settlement.CostMicros ?? 0;
        long charged = actual;
        var status = SettlementStatus.Settled;
        if (state == LeaseActive)
        {
            await tx.Command(SettleActiveLease).With("$id", settlement.LeaseId).With("$amount", amount).With("$actual", actual).With("$now", tx.Now)
                .RunAsync(tx.Async, tx.Ct).ConfigureAwait(false);
        }
        else
        {
            // One log entry for the lease: what it added to its last pool (pools reset since the expiry differ).
            charged = (long)(await tx.Command(SelectLateCharge).With("$id", settlement.LeaseId).With("$amount", amount).With("$actual", actual)
                .ScalarAsync(tx.Async, tx.Ct).ConfigureAwait(false) ?? actual);
            await tx.Command(SettleExpiredLease).With("$id", settlement.LeaseId).With("$amount", amount).With("$actual", actual).With("$now", tx.Now)
                .RunAsync(tx.Async, tx.Ct).ConfigureAwait(false);
            status = SettlementStatus.SettledAfterExpiry;
        }

        var details = settlement.Details;
        await AppendSpendLogAsync(tx, new SpendLogRow(tx.Now, settlement.LeaseId, details.Model ?? leaseModel, details.InputTokens, details.CachedInputTokens, details.OutputTokens, charged, amount, details.Outcome))
            .ConfigureAwait(false);
        return new SettlementResult(status, await LeasePoolStatesAsync(tx, settlement.LeaseId).ConfigureAwait(false));
    }

    private static async ValueTask<BudgetPoolState[]> LeasePoolStatesAsync(LedgerTransaction tx, string leaseId)
    {
        var states = new List<BudgetPoolState>(1);
        await using var reader = await tx.Command(SelectLeasePoolStates).With("$id", leaseId).ReaderAsync(tx.Async, tx.Ct).ConfigureAwait(false);
        while (await reader.NextAsync(tx.Async, tx.Ct).ConfigureAwait(false))
        {
            states.Add(ReadPoolState(reader));
        }

        return [.. states];
    }

    /// <summary>Charges every lease that has expired by now its full amount, logging each; returns how many expired.</summary>
    private async ValueTask<int> SweepAsync(LedgerTransaction tx)
    {
        var expired = new List<(string Id, long Amount, long ExpiresAt, string? Model)>();
        await using (var reader = await tx.Command(SelectExpiredLeases).With("$now", tx.Now).ReaderAsync(tx.Async, tx.Ct).ConfigureAwait(false))
        {
            while (await reader.NextAsync(tx.Async, tx.Ct).ConfigureAwait(false))
            {
                expired.Add((reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetNullableString(3)));
            }
        }

        foreach (var lease in expired)
        {
            await tx.Command(ExpireLease).With("$id", lease.Id).With("$amount", lease.Amount).With("$now", tx.Now).RunAsync(tx.Async, tx.Ct).ConfigureAwait(false);
            await AppendSpendLogAsync(tx, new SpendLogRow(lease.ExpiresAt, lease.Id, lease.Model, 0, 0, 0, lease.Amount, lease.Amount, SpendOutcome.LeaseExpired))
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
