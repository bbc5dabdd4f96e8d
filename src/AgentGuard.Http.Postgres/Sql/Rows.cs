using Npgsql;

namespace AgentGuard.Http.Postgres.Sql;

/// <summary>Reads the rows the statements return.</summary>
internal static class Rows
{
    /// <summary>A pool's state from the <see cref="Columns.Pool"/> columns starting at <paramref name="at"/>.</summary>
    public static BudgetPoolState Pool(NpgsqlDataReader reader, int at) =>
        new(reader.GetString(at), reader.GetInt64(at + 1), reader.GetInt64(at + 2), reader.GetInt64(at + 3)) { RefusedCalls = reader.GetInt64(at + 4) };

    /// <summary>A pool's state when the columns may be null (a pool that does not exist).</summary>
    public static BudgetPoolState? PoolOrNull(NpgsqlDataReader reader, int at) => reader.IsDBNull(at) ? null : Pool(reader, at);

    public static short? NullableInt16(NpgsqlDataReader reader, int at) => reader.IsDBNull(at) ? null : reader.GetInt16(at);

    public static string? NullableString(NpgsqlDataReader reader, int at) => reader.IsDBNull(at) ? null : reader.GetString(at);
}
