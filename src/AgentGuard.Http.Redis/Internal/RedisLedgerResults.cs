using System.Globalization;
using System.Text.Json;
using StackExchange.Redis;

namespace AgentGuard.Http.Redis.Internal;

/// <summary>Reads the scripts' replies and the spend log's entries. Amounts come back as decimal strings (exact 64-bit).</summary>
internal static class RedisLedgerResults
{
    /// <summary>A pool from <c>{ key, limit, spent, reserved, refused }</c>.</summary>
    public static BudgetPoolState Pool(RedisResult result)
    {
        var fields = (RedisResult[])result!;
        return new BudgetPoolState((string)fields[0]!, Long(fields[1]), Long(fields[2]), Long(fields[3])) { RefusedCalls = Long(fields[4]) };
    }

    /// <summary>A reservation from <c>{ granted, existed, pool index, limit, spent, reserved, refused }</c>.</summary>
    public static (ReservationResult Result, bool Existed) Reservation(RedisResult result, ReservationRequest request)
    {
        var fields = (RedisResult[])result!;
        string key = request.Pools[(int)fields[2] - 1].Key;
        var pool = new BudgetPoolState(key, Long(fields[3]), Long(fields[4]), Long(fields[5])) { RefusedCalls = Long(fields[6]) };
        return (new ReservationResult((int)fields[0] == 1, pool), (int)fields[1] == 1);
    }

    /// <summary>A settlement from <c>{ status, pool... }</c>.</summary>
    public static SettlementResult Settlement(RedisResult result)
    {
        var fields = (RedisResult[])result!;
        var pools = new BudgetPoolState[fields.Length - 1];
        for (int i = 1; i < fields.Length; i++)
        {
            pools[i - 1] = Pool(fields[i]);
        }

        return new SettlementResult((SettlementStatus)(int)fields[0], pools);
    }

    /// <summary>A spend log entry, and when it was added (micro-seconds since the epoch, by the server's clock).</summary>
    public static (long AddedAt, SpendLogEntry Entry) LogEntry(StreamEntry entry)
    {
        string? model = null, provider = null;
        long ts = 0, at = 0, input = 0, cached = 0, output = 0, cost = 0, reserved = 0;
        string lease = "";
        string[] pools = [];
        var outcome = SpendOutcome.SettledFromUsage;
        foreach (var field in entry.Values)
        {
            string value = field.Value.ToString();
            switch (field.Name.ToString())
            {
                case "ts": ts = Parse(value); break;
                case "at": at = Parse(value); break;
                case "lease": lease = value; break;
                case "pools": pools = JsonSerializer.Deserialize<string[]>(value) ?? []; break;
                case "model": model = value.Length == 0 ? null : value; break;
                case "provider": provider = value.Length == 0 ? null : value; break;
                case "in": input = Parse(value); break;
                case "cached": cached = Parse(value); break;
                case "out": output = Parse(value); break;
                case "cost": cost = Parse(value); break;
                case "reserved": reserved = Parse(value); break;
                case "outcome": outcome = (SpendOutcome)Parse(value); break;
            }
        }

        return (at, new SpendLogEntry(FromMicros(ts), lease, pools, model, input, cached, output, cost, reserved, outcome) { Provider = provider });
    }

    public static DateTimeOffset FromMicros(long micros) => DateTimeOffset.UnixEpoch.AddTicks(micros * 10);

    public static long ToMicros(DateTimeOffset time) => (time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;

    private static long Long(RedisResult result) => Parse((string)result!);

    private static long Parse(string? value) => long.Parse(value ?? "0", NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
}
