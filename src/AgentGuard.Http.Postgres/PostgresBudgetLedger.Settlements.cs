using AgentGuard.Http.Postgres.Internal;
using AgentGuard.Http.Postgres.Sql;
using Npgsql;
using static AgentGuard.Http.Postgres.Internal.Parameters;

namespace AgentGuard.Http.Postgres;

public sealed partial class PostgresBudgetLedger
{
    /// <inheritdoc />
    public ValueTask<SettlementResult> CommitAsync(string leaseId, long actualCostMicros, CancellationToken cancellationToken = default) =>
        SettleAsync(new SettlementRequest(leaseId, actualCostMicros, SpendDetails.Of(SpendOutcome.SettledFromUsage)), cancellationToken);

    /// <inheritdoc />
    public SettlementResult Commit(string leaseId, long actualCostMicros) =>
        Settle(new SettlementRequest(leaseId, actualCostMicros, SpendDetails.Of(SpendOutcome.SettledFromUsage)));

    /// <inheritdoc />
    public ValueTask<SettlementResult> ReleaseAsync(string leaseId, CancellationToken cancellationToken = default) =>
        SettleAsync(new SettlementRequest(leaseId, null, SpendDetails.Of(SpendOutcome.Released)), cancellationToken);

    /// <inheritdoc />
    public SettlementResult Release(string leaseId) => Settle(new SettlementRequest(leaseId, null, SpendDetails.Of(SpendOutcome.Released)));

    /// <inheritdoc />
    public ValueTask<SettlementResult> SettleAsync(SettlementRequest settlement, CancellationToken cancellationToken = default) =>
        _batcher.SettleAsync(CheckSettlement(settlement), cancellationToken: cancellationToken);

    /// <inheritdoc />
    public SettlementResult Settle(SettlementRequest settlement) => _batcher.Settle(CheckSettlement(settlement));

    /// <inheritdoc />
    public ValueTask<bool> ExtendAsync(string leaseId, TimeSpan leaseDuration, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(leaseId);
        return _batcher.ExtendAsync(leaseId, leaseDuration, cancellationToken: cancellationToken);
    }

    /// <inheritdoc />
    public bool Extend(string leaseId, TimeSpan leaseDuration)
    {
        ArgumentNullException.ThrowIfNull(leaseId);
        return _batcher.Extend(leaseId, leaseDuration);
    }

    private static SettlementRequest CheckSettlement(SettlementRequest settlement)
    {
        ArgumentNullException.ThrowIfNull(settlement);
        ArgumentNullException.ThrowIfNull(settlement.LeaseId);
        ArgumentNullException.ThrowIfNull(settlement.Details);
        ArgumentOutOfRangeException.ThrowIfNegative(settlement.CostMicros ?? 0);
        return settlement;
    }

    /// <summary>A settlement in a transaction of its own (a batch of one, or an operation a batch left inconclusive).</summary>
    private async ValueTask<SettlementResult> SettleAloneAsync(SettlementRequest settlement, bool async, CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(async, cancellationToken).ConfigureAwait(false);
        try
        {
            using (var batch = Db.Batch(SettleStatement(settlement, checkDue: true)))
            {
                var rows = await Db.QueryAsync(connection, batch, 0, SettlementRow.Read, async, cancellationToken).ConfigureAwait(false);
                if (Conclude(rows) is { } result)
                {
                    return result;
                }
            }

            // Due leases share a pool with this one (or it is due itself), or its state changed since it was read:
            // settle in one transaction that locks the lease first, then charges what is due, then settles.
            using (var batch = Db.Batch(
                Db.Statement(_sql.LockLease, Value(settlement.LeaseId)),
                Db.Statement(_sql.MarkDueOfLeaseAndLock, Value(settlement.LeaseId)),
                ChargeMarked(),
                SettleStatement(settlement, checkDue: false)))
            {
                var rows = await Db.QueryAsync(connection, batch, 2, SettlementRow.Read, async, cancellationToken).ConfigureAwait(false);
                return Conclude(rows) ?? throw new InvalidOperationException($"The lease '{settlement.LeaseId}' could not be settled under its lock.");
            }
        }
        finally
        {
            await Db.CloseAsync(connection, async).ConfigureAwait(false);
        }
    }

    /// <summary>The settlement's result, or null when it changed nothing that it should have.</summary>
    private static SettlementResult? Conclude(IReadOnlyList<SettlementRow> rows)
    {
        if (rows.Count == 0)
        {
            return new SettlementResult(SettlementStatus.UnknownLease, []);
        }

        var first = rows[0];
        if (first.LeaseState == SettledLease)
        {
            return new SettlementResult(SettlementStatus.AlreadySettled, []);
        }

        if (!first.Settled)
        {
            return null;
        }

        var status = first.LeaseState == ActiveLease ? SettlementStatus.Settled : SettlementStatus.SettledAfterExpiry;
        return new SettlementResult(status, [.. rows.Where(r => r.Pool is not null).Select(r => r.Pool!.Value)]);
    }

    private NpgsqlBatchCommand SettleStatement(SettlementRequest settlement, bool checkDue)
    {
        var details = settlement.Details;
        return Db.Statement(
            _sql.Settle,
            Value(settlement.LeaseId), Value(settlement.CostMicros ?? 0), Text(details.Model),
            Value(details.InputTokens), Value(details.CachedInputTokens), Value(details.OutputTokens), Value((short)details.Outcome),
            Value(checkDue), Value(_retention.MaxEntries), Interval(_retention.MaxAge), Value(_finishedLeaseRetention));
    }

    /// <summary>An extension in a statement of its own (a batch of one).</summary>
    private async ValueTask<bool> ExtendAloneAsync(string leaseId, TimeSpan leaseDuration, bool async, CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(async, cancellationToken).ConfigureAwait(false);
        try
        {
            using var batch = Db.Batch(Db.Statement(_sql.Extend, Value(leaseId), Duration(leaseDuration)));
            return await Db.ExecuteAsync(connection, batch, async, cancellationToken).ConfigureAwait(false) == 1;
        }
        finally
        {
            await Db.CloseAsync(connection, async).ConfigureAwait(false);
        }
    }

    /// <summary>What the settlement statement found: the lease's state as read, whether it settled, and one pool after.</summary>
    private readonly record struct SettlementRow(short LeaseState, bool Due, bool Settled, BudgetPoolState? Pool)
    {
        public static SettlementRow Read(NpgsqlDataReader r) => new(r.GetInt16(0), r.GetBoolean(1), r.GetBoolean(2), Rows.PoolOrNull(r, 3));
    }
}
