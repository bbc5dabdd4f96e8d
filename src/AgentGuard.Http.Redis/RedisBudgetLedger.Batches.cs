using AgentGuard.Http.Ledgers;
using AgentGuard.Http.Redis.Internal;
using StackExchange.Redis;

namespace AgentGuard.Http.Redis;

// Group commit: the reservations, settlements and extensions of a batch go to the server as one script call per budget.
public sealed partial class RedisBudgetLedger
{
    private const int FailedOperation = -1;

    /// <summary>
    /// Runs a batch: its operations grouped by budget (one hash tag, one cluster slot), each group in one script call
    /// (<c>batch.lua</c>; a group of one calls the operation's own script), so that one AOF write (with
    /// <c>appendfsync always</c>, one fsync) carries the group. Groups of different budgets go out together (pipelined
    /// on the connection) when asynchronous, one after the other when synchronous. A group whose call fails (the
    /// connection, a timeout: its outcome unknown) fails its operations, which the retry policy repeats under their
    /// lease ids; an operation that fails inside the script fails alone.
    /// </summary>
    private async ValueTask ExecuteBatchAsync(IReadOnlyList<LedgerOperation> batch, bool async)
    {
        var database = async ? await DatabaseAsync(CancellationToken.None).ConfigureAwait(false) : Database();
        if (batch.Count == 1)
        {
            await RunGroupAsync(database, batch, async).ConfigureAwait(false);
            return;
        }

        var groups = new Dictionary<string, List<LedgerOperation>>(StringComparer.Ordinal);
        foreach (var operation in batch)
        {
            string root = RootOfOperation(operation);
            if (!groups.TryGetValue(root, out var group))
            {
                groups.Add(root, group = []);
            }

            group.Add(operation);
        }

        if (!async)
        {
            foreach (var group in groups.Values)
            {
                await RunGroupAsync(database, group, async: false).ConfigureAwait(false);
            }

            return;
        }

        var running = new List<Task>(groups.Count);
        foreach (var group in groups.Values)
        {
            running.Add(RunGroupAsync(database, group, async: true).AsTask());
        }

        await Task.WhenAll(running).ConfigureAwait(false);
    }

    /// <summary>Runs the operations of one budget in one script call; a failed call fails each of them (and nothing else).</summary>
    private async ValueTask RunGroupAsync(IDatabase database, IReadOnlyList<LedgerOperation> group, bool async)
    {
        var budget = _keys.Budget(RootOfOperation(group[0]));
        try
        {
            if (group.Count == 1)
            {
                var operation = group[0];
                var (script, args) = ScriptOf(budget, operation);
                IndexIfReservation(database, operation);
                var reply = async
                    ? await script.EvaluateAsync(database, budget.ScriptKeys, args).ConfigureAwait(false)
                    : script.Evaluate(database, budget.ScriptKeys, args);
                Conclude(database, operation, reply);
                return;
            }

            var batchArgs = BatchArgs(budget, group);
            foreach (var operation in group)
            {
                IndexIfReservation(database, operation);
            }

            var replies = (RedisResult[])(async
                ? await RedisLedgerScript.Batch.EvaluateAsync(database, budget.ScriptKeys, batchArgs).ConfigureAwait(false)
                : RedisLedgerScript.Batch.Evaluate(database, budget.ScriptKeys, batchArgs))!;
            if (replies.Length != group.Count)
            {
                throw new InvalidOperationException($"The batch script returned {replies.Length} replies for {group.Count} operations.");
            }

            for (int i = 0; i < group.Count; i++)
            {
                if (replies[i].Resp2Type == ResultType.Array && (RedisResult[])replies[i]! is [var code, var message] && code.Resp2Type == ResultType.Integer && (int)code == FailedOperation)
                {
                    group[i].SetFailed(new InvalidOperationException($"The ledger's {group[i].Kind} of lease '{group[i].LeaseId}' failed in the batch script: {message}"));
                    continue;
                }

                Conclude(database, group[i], replies[i]);
            }
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // The call's outcome is unknown: each operation fails with the error, and a retry under its lease id
            // applies it once whether or not it landed.
            foreach (var operation in group)
            {
                if (!operation.HasOutcome)
                {
                    operation.SetFailed(ex);
                }
            }
        }
    }

    private static string RootOfOperation(LedgerOperation operation) => operation.StoreState switch
    {
        ReservationCall call => call.Root,
        string root => root,
        _ => throw new InvalidOperationException($"The {operation.Kind} of lease '{operation.LeaseId}' was queued without its budget."),
    };

    private void IndexIfReservation(IDatabase database, LedgerOperation operation)
    {
        if (operation.Kind == LedgerOperationKind.Reserve)
        {
            IndexLease(database, operation.Reservation!, RootOfOperation(operation));
        }
    }

    /// <summary>The operation's own script and its arguments (a group of one).</summary>
    private (RedisLedgerScript Script, RedisValue[] Args) ScriptOf(BudgetKeys budget, LedgerOperation operation) => operation.Kind switch
    {
        LedgerOperationKind.Reserve => (RedisLedgerScript.Reserve, Args(budget, ((ReservationCall)operation.StoreState!).Operation)),
        LedgerOperationKind.Settle => (RedisLedgerScript.Settle, Args(budget, SettlementArgs(operation.Settlement!))),
        _ => (RedisLedgerScript.Extend, Args(budget, operation.LeaseId, Micros(operation.LeaseDuration))),
    };

    /// <summary><c>batch.lua</c>'s arguments: the budget's, then for each operation its kind, its argument count and its arguments.</summary>
    private RedisValue[] BatchArgs(BudgetKeys budget, IReadOnlyList<LedgerOperation> group)
    {
        var operations = new List<RedisValue>(group.Count * 10);
        foreach (var operation in group)
        {
            RedisValue[] own = operation.Kind switch
            {
                LedgerOperationKind.Reserve => ((ReservationCall)operation.StoreState!).Operation,
                LedgerOperationKind.Settle => SettlementArgs(operation.Settlement!),
                _ => [operation.LeaseId, Micros(operation.LeaseDuration)],
            };
            operations.Add(operation.Kind switch
            {
                LedgerOperationKind.Reserve => "r",
                LedgerOperationKind.Settle => "s",
                _ => "x",
            });
            operations.Add(own.Length);
            operations.AddRange(own);
        }

        return Args(budget, [.. operations]);
    }

    /// <summary>Gives the operation the outcome its script's reply says (and keeps this process's lease index in step).</summary>
    private void Conclude(IDatabase database, LedgerOperation operation, RedisResult reply)
    {
        switch (operation.Kind)
        {
            case LedgerOperationKind.Reserve:
                var call = (ReservationCall)operation.StoreState!;
                operation.SetReserved(Reserved(database, operation.Reservation!, call.Root, reply));
                break;

            case LedgerOperationKind.Settle:
                operation.SetSettled(Settled(operation.LeaseId, reply));
                break;

            default:
                operation.SetExtended(Extended(database, operation.LeaseId, operation.LeaseDuration, (int)reply == 1));
                break;
        }
    }

    /// <summary>A reservation checked and encoded by its caller: its budget and its own script arguments (reserve.lua's from ARGV[5]).</summary>
    private sealed record ReservationCall(string Root, BudgetKeys Budget, RedisValue[] Operation);
}
