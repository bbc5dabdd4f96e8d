using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using AgentGuard.Http.Ledgers.Benchmarks.Servers;
using AgentGuard.Http.Postgres;
using AgentGuard.Http.Redis;
using AgentGuard.Http.Sqlite;
using Npgsql;
using StackExchange.Redis;

namespace AgentGuard.Http.Ledgers.Benchmarks;

/// <summary>
/// Not a benchmark: a plain timed run of reserve+commit pairs with the counters that show where the time goes, for
/// profiling the stores (under <c>strace -c</c>, for example). <c>probe STORE [--callers N] [--pools N] [--pairs N]
/// [--async] [--warmup N] [--log-entries N]</c> (the in-memory ledger's spend log retention), STORE one of <c>inmemory</c>, <c>sqlite-full</c>, <c>sqlite-normal</c>, <c>redis</c>, <c>postgres</c>.
/// Prints the pairs per second, the client's CPU and allocations per pair, and the store's counters per pair: Redis's
/// command statistics and server CPU; PostgreSQL's round trips (Npgsql's operations), transactions, WAL writes and
/// flushes, server CPU and statement times (pg_stat_statements).
/// </summary>
internal static class Probe
{
    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length == 0)
        {
            Console.Error.WriteLine("probe inmemory|sqlite-full|sqlite-normal|redis|postgres [--callers N] [--pools N] [--pairs N] [--async] [--warmup N] [--log-entries N]");
            return 2;
        }

        string store = args[0];
        int callers = Option(args, "--callers", 16);
        int poolCount = Option(args, "--pools", 1);
        int pairs = Option(args, "--pairs", 2_000);
        bool async = args.Contains("--async");
        int retention = Option(args, "--log-entries", SpendLogRetention.Default.MaxEntries);
        var pools = LedgerBenchmark.PoolsOf(poolCount);
        // Long enough for the JIT's tiering to finish (the pause after it too), so the run measures steady state.
        int warmup = Option(args, "--warmup", Math.Max(callers * 50, pairs / 4));

        Console.WriteLine($"store={store} callers={callers} pools={poolCount} pairs={pairs} form={(async ? "async" : "sync")} warmup={warmup}");
        await using var target = await Target.CreateAsync(store, pools, warmup, callers, async, retention);
        var before = await target.SnapshotAsync(beforeRun: true);
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        var cpuBefore = process.TotalProcessorTime;
        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        int[] collectionsBefore = [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)];
        var pausedBefore = GC.GetTotalPauseDuration();
        var clock = Stopwatch.StartNew();
        await RunPairsAsync(target.Ledger, pools, pairs, callers, async, "probe");
        clock.Stop();
        process.Refresh();
        var cpu = process.TotalProcessorTime - cpuBefore;
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        int[] collections = [GC.CollectionCount(0) - collectionsBefore[0], GC.CollectionCount(1) - collectionsBefore[1], GC.CollectionCount(2) - collectionsBefore[2]];
        var paused = GC.GetTotalPauseDuration() - pausedBefore;
        var after = await target.SnapshotAsync(beforeRun: false);

        Console.WriteLine(Line("pairs/s", pairs / clock.Elapsed.TotalSeconds, "F0"));
        Console.WriteLine(Line("wall µs per pair (all callers)", clock.Elapsed.TotalMicroseconds / pairs, "F1"));
        Console.WriteLine(Line("latency µs per pair (one caller)", clock.Elapsed.TotalMicroseconds * callers / pairs, "F1"));
        Console.WriteLine(Line("client CPU µs per pair", cpu.TotalMicroseconds / pairs, "F1"));
        Console.WriteLine(Line("client bytes allocated per pair", (double)allocated / pairs, "F0"));
        Console.WriteLine(Line("client GC pause µs per pair", paused.TotalMicroseconds / pairs, "F2"));
        Console.WriteLine($"  {"client GCs (gen0/gen1/gen2) in the run",-48} {$"{collections[0]}/{collections[1]}/{collections[2]}",14}");
        Console.WriteLine(Line("client managed heap after the run, MB", GC.GetGCMemoryInfo().HeapSizeBytes / 1e6, "F0"));
        foreach (var (name, value) in after)
        {
            double delta = value - before.GetValueOrDefault(name);
            if (delta != 0)
            {
                Console.WriteLine(Line(name + " per pair", delta / pairs, "F3"));
            }
        }

        await target.ReportAsync(Console.Out);
        return 0;
    }

    /// <summary>Runs <paramref name="pairs"/> pairs split among <paramref name="callers"/> (threads, or tasks when <paramref name="async"/>).</summary>
    public static Task RunPairsAsync(IBudgetLedger ledger, BudgetPool[] pools, int pairs, int callers, bool async, string tag)
    {
        string prefix = $"{tag}-{Guid.NewGuid():N}-";
        long next = 0;
        string Lease() => prefix + Interlocked.Increment(ref next).ToString(CultureInfo.InvariantCulture);
        var lease = LedgerBenchmark.LeaseDuration;
        int perCaller = pairs / callers;
        if (async)
        {
            return Task.WhenAll(Enumerable.Range(0, callers).Select(_ => Task.Run(async () =>
            {
                for (int i = 0; i < perCaller; i++)
                {
                    string id = Lease();
                    if (!(await ledger.ReserveAsync(new ReservationRequest(id, pools, LedgerBenchmark.ReserveMicros, lease))).Granted)
                    {
                        throw new InvalidOperationException("Refused.");
                    }

                    await ledger.CommitAsync(id, LedgerBenchmark.CommitMicros);
                }
            })));
        }

        var threads = Enumerable.Range(0, callers).Select(_ => new Thread(() =>
        {
            for (int i = 0; i < perCaller; i++)
            {
                string id = Lease();
                if (!ledger.Reserve(new ReservationRequest(id, pools, LedgerBenchmark.ReserveMicros, lease)).Granted)
                {
                    throw new InvalidOperationException("Refused.");
                }

                ledger.Commit(id, LedgerBenchmark.CommitMicros);
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        return Task.CompletedTask;
    }

    private static int Option(string[] args, string name, int fallback)
    {
        int index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
    }

    private static string Line(string name, double value, string format) =>
        $"  {name,-48} {value.ToString(format, CultureInfo.InvariantCulture),14}";

    /// <summary>A ledger under probe, warmed up, with its store's counters.</summary>
    private abstract class Target : IAsyncDisposable
    {
        public IBudgetLedger Ledger { get; protected set; } = null!;

        public static async Task<Target> CreateAsync(string store, BudgetPool[] pools, int warmup, int callers, bool async, int retention)
        {
            Target target = store switch
            {
                "inmemory" => new Plain(new InMemoryBudgetLedger(retention: SpendLogRetention.Default with { MaxEntries = retention }), null),
                "sqlite-full" => SqliteTarget(SqliteSynchronousMode.Full),
                "sqlite-normal" => SqliteTarget(SqliteSynchronousMode.Normal),
                "redis" => new RedisTarget(),
                "postgres" => new PostgresTarget(),
                _ => throw new ArgumentException($"Unknown store '{store}'.", nameof(store)),
            };
            await target.WarmUpAsync(pools, warmup, callers, async);
            return target;
        }

        /// <summary>Named cumulative counters of the store.</summary>
        public virtual Task<Dictionary<string, double>> SnapshotAsync(bool beforeRun) => Task.FromResult(new Dictionary<string, double>());

        /// <summary>What does not subtract: statement statistics.</summary>
        public virtual Task ReportAsync(TextWriter output) => Task.CompletedTask;

        public abstract ValueTask DisposeAsync();

        protected virtual async Task WarmUpAsync(BudgetPool[] pools, int warmup, int callers, bool async)
        {
            foreach (var pool in pools)
            {
                await Ledger.GetStateAsync(pool);
            }

            if (warmup > 0)
            {
                await RunPairsAsync(Ledger, pools, warmup, callers, async, "warmup");
                await Task.Delay(TimeSpan.FromSeconds(1));
                await RunPairsAsync(Ledger, pools, warmup / 4, callers, async, "warmup");
            }
        }

        private static Plain SqliteTarget(SqliteSynchronousMode mode)
        {
            var ledger = SqliteLedgerBenchmarks.Create(mode, out string directory);
            Console.WriteLine($"sqlite file: {ledger.FilePath}");
            return new Plain(ledger, () =>
            {
                ledger.Dispose();
                Tools.TryDelete(directory);
            });
        }
    }

    private sealed class Plain : Target
    {
        private readonly Action? _dispose;

        public Plain(IBudgetLedger ledger, Action? dispose)
        {
            Ledger = ledger;
            _dispose = dispose;
        }

        public override ValueTask DisposeAsync()
        {
            _dispose?.Invoke();
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>Redis: command statistics (calls, server microseconds) and the server's CPU, from INFO.</summary>
    private sealed class RedisTarget : Target
    {
        private readonly ConnectionMultiplexer _admin;
        private readonly IServer _server;

        public RedisTarget()
        {
            var redis = RedisServer.Shared;
            Console.WriteLine($"redis-server: {redis.Configuration}, pid {redis.ProcessId?.ToString(CultureInfo.InvariantCulture) ?? "(external)"}");
            Ledger = RedisLedgerBenchmarks.Create();
            _admin = ConnectionMultiplexer.Connect(redis.Configuration + ",allowAdmin=true");
            _server = _admin.GetServers()[0];
        }

        public override async Task<Dictionary<string, double>> SnapshotAsync(bool beforeRun)
        {
            var counters = new Dictionary<string, double>(StringComparer.Ordinal);
            foreach (string line in ((await _server.InfoRawAsync("commandstats")) ?? "").Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                // cmdstat_evalsha:calls=10,usec=520,usec_per_call=52.00,rejected_calls=0,failed_calls=0
                if (line.StartsWith("cmdstat_", StringComparison.Ordinal) && line.Split(':', 2) is [var command, var fields])
                {
                    foreach (string field in fields.Split(','))
                    {
                        if (field.Split('=') is [("calls" or "usec") and var key, var value])
                        {
                            counters[$"redis {command["cmdstat_".Length..]} {key}"] = double.Parse(value, CultureInfo.InvariantCulture);
                        }
                    }
                }
            }

            foreach (string line in ((await _server.InfoRawAsync("cpu")) ?? "").Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (line.Split(':') is [("used_cpu_sys" or "used_cpu_user") and var key, var value])
                {
                    counters["redis server CPU µs (" + key + ")"] = double.Parse(value, CultureInfo.InvariantCulture) * 1e6;
                }
            }

            return counters;
        }

        public override async ValueTask DisposeAsync()
        {
            await ((RedisBudgetLedger)Ledger).DisposeAsync();
            await _admin.DisposeAsync();
        }
    }

    /// <summary>
    /// PostgreSQL on a private server with pg_stat_statements and WAL timing: Npgsql's operations (round trips) and bytes,
    /// transactions, WAL records, writes and flushes, the server processes' CPU, and statement times. The ledger runs on
    /// a data source of the probe's own (with the settings the ledger gives its own), whose pool the probe clears around
    /// the run: backends publish their statistics when they exit.
    /// </summary>
    private sealed class PostgresTarget : Target
    {
        private readonly PostgresServer _server;
        private readonly NpgsqlDataSource _dataSource;
        private readonly MeterListener _listener = new();
        private readonly Dictionary<string, double> _npgsql = new(StringComparer.Ordinal);
        private int _callers = 1;

        public PostgresTarget()
        {
            _server = PostgresServer.Start("shared_preload_libraries=pg_stat_statements", "pg_stat_statements.track=all", "track_wal_io_timing=on");
            Console.WriteLine($"postgres: {_server.ConnectionString}, postmaster pid {_server.PostmasterPid}");

            // What PostgresBudgetLedger sets on a data source it creates from a connection string.
            _dataSource = NpgsqlDataSource.Create(_server.ConnectionString + ";No Reset On Close=true;Max Auto Prepare=20;Options=-c plan_cache_mode=force_generic_plan");
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name.StartsWith("Npgsql", StringComparison.Ordinal)
                    && instrument.Name is "db.client.operation.duration" or "db.client.operation.npgsql.bytes_written" or "db.client.operation.npgsql.bytes_read")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<double>((instrument, _, _, _) => Count("npgsql operations (round trips)", 1));
            _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => Count("npgsql " + instrument.Name["db.client.operation.npgsql.".Length..], value));
            _listener.SetMeasurementEventCallback<int>((instrument, value, _, _) => Count("npgsql " + instrument.Name["db.client.operation.npgsql.".Length..], value));
            _listener.Start();
        }

        public override async Task<Dictionary<string, double>> SnapshotAsync(bool beforeRun)
        {
            // After the run, the server's CPU before its backends exit; before it, once the pool is open again.
            double cpu = beforeRun ? 0 : ServerCpuMicroseconds();
            Dictionary<string, double> counters;
            lock (_npgsql)
            {
                counters = new Dictionary<string, double>(_npgsql, StringComparer.Ordinal);
            }

            // Backends publish their statistics when they go idle (at most once a second, or every ten) or exit.
            _dataSource.Clear();
            await Task.Delay(TimeSpan.FromSeconds(1.5));
            await using (var connection = new NpgsqlConnection(_server.ConnectionString))
            {
                await connection.OpenAsync();
                await using (var command = new NpgsqlCommand(
                    "SELECT xact_commit, xact_rollback FROM pg_stat_database WHERE datname = 'postgres'", connection))
                await using (var reader = await command.ExecuteReaderAsync())
                {
                    await reader.ReadAsync();
                    counters["pg transactions committed"] = reader.GetInt64(0);
                    counters["pg transactions rolled back"] = reader.GetInt64(1);
                }

                await using (var command = new NpgsqlCommand("SELECT wal_records, wal_bytes, wal_write, wal_sync, wal_sync_time FROM pg_stat_wal", connection))
                await using (var reader = await command.ExecuteReaderAsync())
                {
                    await reader.ReadAsync();
                    counters["pg WAL records"] = reader.GetInt64(0);
                    counters["pg WAL bytes"] = (double)reader.GetDecimal(1);
                    counters["pg WAL writes"] = reader.GetInt64(2);
                    counters["pg WAL flushes (fsync; commits share them)"] = reader.GetInt64(3);
                    counters["pg WAL flush µs"] = reader.GetDouble(4) * 1_000;
                }
            }

            if (beforeRun)
            {
                await using (var connection = new NpgsqlConnection(_server.ConnectionString))
                {
                    await connection.OpenAsync();
                    await using var command = new NpgsqlCommand("SELECT pg_stat_statements_reset()", connection);
                    await command.ExecuteNonQueryAsync();
                }

                // One connection per caller, open again before the run.
                await Task.WhenAll(Enumerable.Range(0, _callers).Select(async _ =>
                {
                    await using var connection = await _dataSource.OpenConnectionAsync();
                    await Task.Delay(100);
                }));
                cpu = ServerCpuMicroseconds();
            }

            counters["pg server CPU µs (all its processes)"] = cpu;
            return counters;
        }

        public override async Task ReportAsync(TextWriter output)
        {
            await using var connection = new NpgsqlConnection(_server.ConnectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(
                """
                SELECT calls, mean_exec_time, total_exec_time, left(regexp_replace(query, '\s+', ' ', 'g'), 110)
                FROM pg_stat_statements WHERE calls >= 10 ORDER BY total_exec_time DESC LIMIT 12
                """, connection);
            await using var reader = await command.ExecuteReaderAsync();
            await output.WriteLineAsync("  pg_stat_statements (the measured run; calls, mean ms, total ms, statement):");
            while (await reader.ReadAsync())
            {
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"    {reader.GetInt64(0),8} {reader.GetDouble(1),8:F3} {reader.GetDouble(2),10:F1}  {reader.GetString(3)}"));
            }
        }

        public override async ValueTask DisposeAsync()
        {
            _listener.Dispose();
            await ((PostgresBudgetLedger)Ledger).DisposeAsync();
            await _dataSource.DisposeAsync();
            _server.Dispose();
        }

        protected override async Task WarmUpAsync(BudgetPool[] pools, int warmup, int callers, bool async)
        {
            _callers = callers;
            await using (var connection = new NpgsqlConnection(_server.ConnectionString))
            {
                await connection.OpenAsync();
                await using var command = new NpgsqlCommand("CREATE EXTENSION IF NOT EXISTS pg_stat_statements", connection);
                await command.ExecuteNonQueryAsync();
            }

            Ledger = new PostgresBudgetLedger(new PostgresLedgerOptions { DataSource = _dataSource, Schema = "probe" });
            await base.WarmUpAsync(pools, warmup, callers, async);
        }

        private void Count(string name, double value)
        {
            lock (_npgsql)
            {
                _npgsql[name] = _npgsql.GetValueOrDefault(name) + value;
            }
        }

        // utime + stime of the postmaster and its children, in clock ticks of 10 ms.
        private double ServerCpuMicroseconds()
        {
            if (_server.PostmasterPid is not { } postmaster)
            {
                return 0;
            }

            double ticks = 0;
            foreach (string directory in Directory.EnumerateDirectories("/proc"))
            {
                try
                {
                    string stat = File.ReadAllText(Path.Combine(directory, "stat"));
                    string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');

                    // After "pid (comm) ": state, ppid, ..., utime is field 14 and stime 15 of the whole line.
                    int pid = int.Parse(Path.GetFileName(directory), CultureInfo.InvariantCulture);
                    if (pid == postmaster || int.Parse(fields[1], CultureInfo.InvariantCulture) == postmaster)
                    {
                        ticks += double.Parse(fields[11], CultureInfo.InvariantCulture) + double.Parse(fields[12], CultureInfo.InvariantCulture);
                    }
                }
                catch (Exception ex) when (ex is IOException or FormatException or UnauthorizedAccessException)
                {
                    // Not a process, or it exited.
                }
            }

            return ticks * 10_000;
        }
    }
}
