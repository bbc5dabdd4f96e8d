using Npgsql;
using NpgsqlTypes;

namespace AgentGuard.Http.Postgres.Internal;

/// <summary>Typed positional parameters: the statement's $n is the n-th one added.</summary>
internal static class Parameters
{
    public static NpgsqlParameter<T> Value<T>(T value) => new() { TypedValue = value };

    /// <summary>A text parameter that may be null (its type cannot be inferred from a null).</summary>
    public static NpgsqlParameter Text(string? value) => new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text };

    /// <summary>An interval parameter that may be null.</summary>
    public static NpgsqlParameter Interval(TimeSpan? value) => new() { Value = value is { } v ? v : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Interval };

    /// <summary>A timestamptz parameter that may be null (written in UTC, as Npgsql requires).</summary>
    public static NpgsqlParameter Timestamp(DateTimeOffset? value) =>
        new() { Value = value is { } v ? v.ToUniversalTime() : DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz };

    /// <summary>A lease duration: a negative one expires at once, as a zero one does.</summary>
    public static NpgsqlParameter<TimeSpan> Duration(TimeSpan duration) => Value(duration < TimeSpan.Zero ? TimeSpan.Zero : duration);
}
