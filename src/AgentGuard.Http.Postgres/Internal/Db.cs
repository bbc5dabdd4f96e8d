using System.Diagnostics;
using Npgsql;

namespace AgentGuard.Http.Postgres.Internal;

/// <summary>
/// Npgsql's synchronous or asynchronous API, chosen by <c>async</c>: every operation is written once, and its
/// synchronous form runs Npgsql's synchronous calls only, so it completes without ever blocking on async code.
/// </summary>
internal static class Db
{
    /// <summary>The result of an operation run with <c>async: false</c>, which has completed synchronously.</summary>
    public static T Complete<T>(ValueTask<T> operation)
    {
        Debug.Assert(operation.IsCompleted, "A synchronous ledger operation awaited something asynchronous.");
        return operation.IsCompleted ? operation.Result : operation.AsTask().GetAwaiter().GetResult();
    }

    public static async ValueTask<NpgsqlConnection> OpenAsync(NpgsqlDataSource dataSource, bool async, CancellationToken cancellationToken) =>
        async ? await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false) : dataSource.OpenConnection();

    public static async ValueTask CloseAsync(NpgsqlConnection connection, bool async)
    {
        if (async)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
        else
        {
            connection.Dispose();
        }
    }

    /// <summary>
    /// Runs the batch (its statements form one implicit transaction: one round trip, all or nothing) and maps the
    /// rows of its result set number <paramref name="resultSet"/> (statements that return no rows have none).
    /// </summary>
    public static async ValueTask<List<T>> QueryAsync<T>(NpgsqlConnection connection, NpgsqlBatch batch, int resultSet, Func<NpgsqlDataReader, T> map, bool async, CancellationToken cancellationToken)
    {
        batch.Connection = connection;
        var reader = async ? await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false) : batch.ExecuteReader();
        try
        {
            for (int i = 0; i < resultSet; i++)
            {
                if (!(async ? await reader.NextResultAsync(cancellationToken).ConfigureAwait(false) : reader.NextResult()))
                {
                    throw new InvalidOperationException($"The batch returned {i + 1} result sets, not {resultSet + 1}.");
                }
            }

            var rows = new List<T>();
            while (async ? await reader.ReadAsync(cancellationToken).ConfigureAwait(false) : reader.Read())
            {
                rows.Add(map(reader));
            }

            return rows;
        }
        finally
        {
            // Closing the reader consumes the statements after the one read, surfacing their errors.
            if (async)
            {
                await reader.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                reader.Dispose();
            }
        }
    }

    /// <summary>Runs the batch and returns the rows its last statement affected.</summary>
    public static async ValueTask<int> ExecuteAsync(NpgsqlConnection connection, NpgsqlBatch batch, bool async, CancellationToken cancellationToken)
    {
        batch.Connection = connection;
        return async ? await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) : batch.ExecuteNonQuery();
    }

    /// <summary>A batch of statements, each with its positional parameters ($1, $2, ...).</summary>
    public static NpgsqlBatch Batch(params ReadOnlySpan<NpgsqlBatchCommand> statements)
    {
        var batch = new NpgsqlBatch();
        foreach (var statement in statements)
        {
            batch.BatchCommands.Add(statement);
        }

        return batch;
    }

    public static NpgsqlBatchCommand Statement(string sql, params ReadOnlySpan<NpgsqlParameter> parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(parameter);
        }

        return command;
    }
}
