namespace AgentGuard.Http.Sqlite;

public sealed partial class SqliteBudgetLedger
{
    private const int LeaseActive = 0;
    private const int LeaseSettled = 2;

    private const string SelectLeaseState = "SELECT state FROM leases WHERE id = $id;";
    private const string InsertLease = """
        INSERT INTO leases (id, amount_micros, expires_at, state, provider, model) VALUES ($id, $amount, $expires, 0, $provider, $model);
        """;
    private const string InsertLeasePool = "INSERT INTO lease_pools (lease_id, position, pool_key) VALUES ($id, $position, $key);";
    private const string ExtendLease = "UPDATE leases SET expires_at = $expires WHERE id = $id AND state = 0;";

    /// <summary>
    /// A reservation inside a batch's transaction, on the batch's copy of the pools (read and written once per batch, not
    /// once per operation). Everything is checked before anything is written.
    /// </summary>
    private static ReservationResult Reserve(LedgerTransaction tx, BatchPools batchPools, ReservationRequest request)
    {
        var pools = new PoolRow[request.Pools.Count];
        for (int i = 0; i < pools.Length; i++)
        {
            pools[i] = batchPools.GetOrCreate(tx, request.Pools[i]);
        }

        // A retried reservation reserves once: it is granted when the first try was and its lease is still active.
        if (tx.Command(SelectLeaseState).With("$id", request.LeaseId).ExecuteScalar() is long state)
        {
            return new ReservationResult(state == LeaseActive, pools[0].State);
        }

        long amount = request.AmountMicros;
        foreach (var pool in pools)
        {
            // In 128 bits: a spent amount above its limit (a commit above its reservation) must not wrap around.
            if ((Int128)pool.Spent + pool.Reserved + amount > pool.Limit)
            {
                if (request.CountRefusal)
                {
                    pool.Refused++;
                }

                return new ReservationResult(false, pool.State);
            }
        }

        tx.Command(InsertLease)
            .With("$id", request.LeaseId)
            .With("$amount", amount)
            .With("$expires", ExpiryAfter(tx.Now, request.LeaseDuration))
            .With("$provider", request.Provider)
            .With("$model", request.Model)
            .Run();
        for (int i = 0; i < pools.Length; i++)
        {
            tx.Command(InsertLeasePool).With("$id", request.LeaseId).With("$position", i).With("$key", pools[i].Key).Run();
        }

        foreach (var pool in pools)
        {
            pool.Reserved += amount;
        }

        return new ReservationResult(true, pools[0].State);
    }

    private static bool Extend(LedgerTransaction tx, string leaseId, TimeSpan leaseDuration) =>
        tx.Command(ExtendLease).With("$id", leaseId).With("$expires", ExpiryAfter(tx.Now, leaseDuration)).Run() == 1;
}
