namespace AgentGuard.Http.Sqlite;

public sealed partial class SqliteBudgetLedger
{
    private const int LeaseActive = 0;
    private const int LeaseExpired = 1;
    private const int LeaseSettled = 2;

    private const string SelectLeaseState = "SELECT state FROM leases WHERE id = $id;";
    private const string CountRefusal = "UPDATE pools SET refused_calls = refused_calls + 1 WHERE key = $key;";
    private const string AddReserved = "UPDATE pools SET reserved_micros = reserved_micros + $amount WHERE key = $key;";
    private const string InsertLease = """
        INSERT INTO leases (id, amount_micros, expires_at, state, model) VALUES ($id, $amount, $expires, 0, $model);
        """;
    private const string InsertLeasePool = "INSERT INTO lease_pools (lease_id, position, pool_key) VALUES ($id, $position, $key);";
    private const string ExtendLease = "UPDATE leases SET expires_at = $expires WHERE id = $id AND state = 0;";

    private ValueTask<ReservationResult> ReserveCoreAsync(ReservationRequest request, bool async, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate();

        return WriteAsync((ledger: this, request), static (tx, state) => state.ledger.ReserveAsync(tx, state.request), async, cancellationToken);
    }

    private async ValueTask<ReservationResult> ReserveAsync(LedgerTransaction tx, ReservationRequest request)
    {
        await SweepAsync(tx).ConfigureAwait(false);
        var pools = new BudgetPoolState[request.Pools.Count];
        for (int i = 0; i < pools.Length; i++)
        {
            pools[i] = await GetOrCreatePoolAsync(tx, request.Pools[i]).ConfigureAwait(false);
        }

        // A retried reservation reserves once: it is granted when the first try was and its lease is still active.
        if (await tx.Command(SelectLeaseState).With("$id", request.LeaseId).ScalarAsync(tx.Async, tx.Ct).ConfigureAwait(false) is long state)
        {
            return new ReservationResult(state == LeaseActive, pools[0]);
        }

        long amount = request.AmountMicros;
        foreach (var pool in pools)
        {
            if (pool.SpentMicros + pool.ReservedMicros + amount > pool.LimitMicros)
            {
                if (!request.CountRefusal)
                {
                    return new ReservationResult(false, pool);
                }

                await tx.Command(CountRefusal).With("$key", pool.Key).RunAsync(tx.Async, tx.Ct).ConfigureAwait(false);
                return new ReservationResult(false, pool with { RefusedCalls = pool.RefusedCalls + 1 });
            }
        }

        for (int i = 0; i < pools.Length; i++)
        {
            await tx.Command(AddReserved).With("$key", pools[i].Key).With("$amount", amount).RunAsync(tx.Async, tx.Ct).ConfigureAwait(false);
            await tx.Command(InsertLeasePool).With("$id", request.LeaseId).With("$position", i).With("$key", pools[i].Key).RunAsync(tx.Async, tx.Ct).ConfigureAwait(false);
        }

        await tx.Command(InsertLease)
            .With("$id", request.LeaseId)
            .With("$amount", amount)
            .With("$expires", ExpiryAfter(tx.Now, request.LeaseDuration))
            .With("$model", request.Model)
            .RunAsync(tx.Async, tx.Ct).ConfigureAwait(false);
        return new ReservationResult(true, pools[0] with { ReservedMicros = pools[0].ReservedMicros + amount });
    }

    private ValueTask<bool> ExtendCoreAsync(string leaseId, TimeSpan leaseDuration, bool async, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(leaseId);
        return WriteAsync((ledger: this, leaseId, leaseDuration), static async (tx, state) =>
        {
            await state.ledger.SweepAsync(tx).ConfigureAwait(false);
            int extended = await tx.Command(ExtendLease)
                .With("$id", state.leaseId)
                .With("$expires", ExpiryAfter(tx.Now, state.leaseDuration))
                .RunAsync(tx.Async, tx.Ct).ConfigureAwait(false);
            return extended == 1;
        }, async, cancellationToken);
    }
}
