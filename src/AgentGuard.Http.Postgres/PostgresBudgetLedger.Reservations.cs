using AgentGuard.Http.Postgres.Internal;
using AgentGuard.Http.Postgres.Sql;
using Npgsql;
using static AgentGuard.Http.Postgres.Internal.Parameters;

namespace AgentGuard.Http.Postgres;

public sealed partial class PostgresBudgetLedger
{
    /// <inheritdoc />
    public ValueTask<ReservationResult> ReserveAsync(ReservationRequest request, CancellationToken cancellationToken = default) =>
        _batcher.ReserveAsync(CheckReservation(request), cancellationToken: cancellationToken);

    /// <inheritdoc />
    public ReservationResult Reserve(ReservationRequest request) => _batcher.Reserve(CheckReservation(request));

    private static ReservationRequest CheckReservation(ReservationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate();
        return request;
    }

    /// <summary>A reservation in a transaction of its own (a batch of one, or an operation a batch left inconclusive).</summary>
    private async ValueTask<ReservationResult> ReserveAloneAsync(ReservationRequest request, bool async, CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(async, cancellationToken).ConfigureAwait(false);
        try
        {
            for (int attempt = 0; ; attempt++)
            {
                try
                {
                    var fast = request.Pools.Count == 1
                        ? await ReserveOnePoolAsync(connection, request, async, cancellationToken).ConfigureAwait(false)
                        : await ReserveSeveralPoolsAsync(connection, request, async, cancellationToken).ConfigureAwait(false);
                    return fast ?? await ReserveAfterChargingDueAsync(connection, request, async, cancellationToken).ConfigureAwait(false);
                }
                catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation && attempt == 0)
                {
                    // A concurrent reservation with the same lease id won the insert: the next attempt finds its lease.
                }
            }
        }
        finally
        {
            await Db.CloseAsync(connection, async).ConfigureAwait(false);
        }
    }

    /// <summary>The single-statement reservation; null when due leases must be charged first or the pool does not exist.</summary>
    private async ValueTask<ReservationResult?> ReserveOnePoolAsync(NpgsqlConnection connection, ReservationRequest request, bool async, CancellationToken cancellationToken)
    {
        string key = request.Pools[0].Key;
        using var batch = Db.Batch(ReserveOnePool(request));
        var row = (await Db.QueryAsync(connection, batch, 0, ReservationRow.ReadOnePool, async, cancellationToken).ConfigureAwait(false))[0];
        if (row.Due || row.Pool is not { } pool)
        {
            return null;
        }

        if (row.Granted || row.KnownState is not null)
        {
            return new ReservationResult(row.Granted || row.KnownState == ActiveLease, pool);
        }

        if (!request.CountRefusal)
        {
            return new ReservationResult(false, pool);
        }

        using var count = Db.Batch(Db.Statement(_sql.CountRefusal, Value(key)));
        var counted = await Db.QueryAsync(connection, count, 0, static r => Rows.Pool(r, 0), async, cancellationToken).ConfigureAwait(false);
        return new ReservationResult(false, counted.Count == 1 ? counted[0] : pool);
    }

    /// <summary>The ordered-lock reservation of several pools; null when due leases must be charged first or a pool does not exist.</summary>
    private async ValueTask<ReservationResult?> ReserveSeveralPoolsAsync(NpgsqlConnection connection, ReservationRequest request, bool async, CancellationToken cancellationToken)
    {
        using var batch = Db.Batch(ReserveSeveralPools(request, checkDue: true));
        var row = (await Db.QueryAsync(connection, batch, 0, ReservationRow.ReadSeveralPools, async, cancellationToken).ConfigureAwait(false))[0];
        return row.Due || row.Pool is null || (row.KnownState is null && !row.Complete) ? null : row.ToResult();
    }

    /// <summary>
    /// One transaction: mark the due leases of the pools, lock every pool involved in key order (creating the missing
    /// ones with their seed limits), charge the due leases in full, then reserve.
    /// </summary>
    private async ValueTask<ReservationResult> ReserveAfterChargingDueAsync(NpgsqlConnection connection, ReservationRequest request, bool async, CancellationToken cancellationToken)
    {
        using var batch = Db.Batch(
            Db.Statement(_sql.MarkDueOfKeysAndLockWithSeeds, Value(Keys(request.Pools)), Value(request.Pools.Select(p => p.LimitMicros).ToArray())),
            ChargeMarked(),
            ReserveSeveralPools(request, checkDue: false));
        var row = (await Db.QueryAsync(connection, batch, 1, ReservationRow.ReadSeveralPools, async, cancellationToken).ConfigureAwait(false))[0];
        return row.ToResult();
    }

    private NpgsqlBatchCommand ReserveSeveralPools(ReservationRequest request, bool checkDue) =>
        Db.Statement(
            _sql.ReserveSeveralPools,
            Value(request.LeaseId), Value(Keys(request.Pools)), Value(request.AmountMicros), Duration(request.LeaseDuration),
            Text(request.Model), Value(request.CountRefusal), Value(checkDue), Text(request.Provider));

    private static string[] Keys(IReadOnlyList<BudgetPool> pools)
    {
        var keys = new string[pools.Count];
        for (int i = 0; i < keys.Length; i++)
        {
            keys[i] = pools[i].Key;
        }

        return keys;
    }

    /// <summary>What a reservation statement found.</summary>
    private readonly record struct ReservationRow(short? KnownState, bool Due, bool Granted, bool Complete, BudgetPoolState? Pool)
    {
        public static ReservationRow ReadOnePool(NpgsqlDataReader r) =>
            new(Rows.NullableInt16(r, 0), r.GetBoolean(1), r.GetBoolean(2), Complete: true, Rows.PoolOrNull(r, 3));

        public static ReservationRow ReadSeveralPools(NpgsqlDataReader r) =>
            new(Rows.NullableInt16(r, 0), r.GetBoolean(1), r.GetBoolean(2), r.GetBoolean(3), Rows.PoolOrNull(r, 4));

        /// <summary>The result of a conclusive statement: no due lease stood in the way, and the lease was known or every pool existed.</summary>
        public ReservationResult ToResult()
        {
            if (Due || Pool is not { } pool || (KnownState is null && !Complete))
            {
                throw new InvalidOperationException("The reservation found its pools missing after locking them.");
            }

            return new ReservationResult(KnownState is { } state ? state == ActiveLease : Granted, pool);
        }
    }
}
