using Microsoft.Data.Sqlite;

namespace AgentGuard.Http.Sqlite;

/// <summary>One call site for both paths: the synchronous ADO.NET method when <c>async</c> is false, the async one otherwise.</summary>
internal static class SqliteCommandExtensions
{
    public static SqliteCommand With(this SqliteCommand command, string name, object? value)
    {
        command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return command;
    }

    public static int Run(this SqliteCommand command) => command.ExecuteNonQuery();

    public static async ValueTask<int> RunAsync(this SqliteCommand command, bool async, CancellationToken cancellationToken) =>
        async ? await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) : command.ExecuteNonQuery();

    public static async ValueTask<object?> ScalarAsync(this SqliteCommand command, bool async, CancellationToken cancellationToken)
    {
        object? value = async ? await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) : command.ExecuteScalar();
        return value is DBNull ? null : value;
    }

    public static async ValueTask<SqliteDataReader> ReaderAsync(this SqliteCommand command, bool async, CancellationToken cancellationToken) =>
        async ? await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false) : command.ExecuteReader();

    public static async ValueTask<bool> NextAsync(this SqliteDataReader reader, bool async, CancellationToken cancellationToken) =>
        async ? await reader.ReadAsync(cancellationToken).ConfigureAwait(false) : reader.Read();

    public static string? GetNullableString(this SqliteDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
}
