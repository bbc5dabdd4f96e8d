using AgentGuard.Http.Postgres;
using AgentGuard.Http.Postgres.Internal;
using Npgsql;

namespace AgentGuard.Http.Ledgers.Tests.Postgres;

/// <summary>The schema is created on first use from the shipped schema.sql, which DBAs can run instead.</summary>
public sealed class PostgresLedgerSchemaTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void TheScriptTheLedgerRuns_IsTheShippedSchemaFile()
    {
        string file = File.ReadAllText(Path.Combine(RepositoryRoot(), "src", "AgentGuard.Http.Postgres", "schema.sql"));

        Assert.Equal(file, PostgresSchema.ScriptFor("agentguard"));
        Assert.Equal(file.Replace("\"agentguard\"", "\"tenant \"\"a\"\"\"", StringComparison.Ordinal), PostgresSchema.ScriptFor("tenant \"a\""));
        Assert.Equal(PostgresSchema.ScriptFor("agentguard"), new PostgresSchema("agentguard").Script);
    }

    [Fact]
    public async Task TheLedgerCreatesTheSchemaOnFirstUse_AsTheScriptRunByADbaDoes()
    {
        var server = await PostgresTestServer.SharedAsync();
        string byLedger = "sl" + Guid.NewGuid().ToString("N")[..10];
        string byDba = "sd" + Guid.NewGuid().ToString("N")[..10];
        await using (var ledger = new PostgresBudgetLedger(new PostgresLedgerOptions { ConnectionString = server.ConnectionString(), Schema = byLedger }))
        {
            await ledger.GetStateAsync(new BudgetPool("first", 10), Ct);
        }

        await ExecuteAsync(server.ConnectionString(), PostgresSchema.ScriptFor(byDba));

        Assert.Equal(await DescribeAsync(server, byDba), await DescribeAsync(server, byLedger));
        Assert.Contains("leases_due", await DescribeAsync(server, byLedger), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConcurrentFirstUses_CreateTheSchemaOnce_WithoutErrors()
    {
        var server = await PostgresTestServer.SharedAsync();
        string schema = "sc" + Guid.NewGuid().ToString("N")[..10];
        var ledgers = Enumerable.Range(0, 6)
            .Select(_ => new PostgresBudgetLedger(new PostgresLedgerOptions { ConnectionString = server.ConnectionString(), Schema = schema }))
            .ToList();

        var states = await Task.WhenAll(ledgers.Select((l, i) => Task.Run(async () => await l.GetStateAsync(new BudgetPool("shared", 1_000 + i), Ct))));

        Assert.Single(states.Select(s => s.LimitMicros).Distinct());
        foreach (var ledger in ledgers)
        {
            await ledger.DisposeAsync();
        }
    }

    [Fact]
    public async Task ARoleWithoutCreate_UsesTheTablesADbaCreated()
    {
        var server = await PostgresTestServer.SharedAsync();
        string schema = "sr" + Guid.NewGuid().ToString("N")[..10];
        string role = "r" + Guid.NewGuid().ToString("N")[..10];
        await ExecuteAsync(server.ConnectionString(), PostgresSchema.ScriptFor(schema) + $"""
            ;
            CREATE ROLE {role} LOGIN;
            GRANT USAGE ON SCHEMA {schema} TO {role};
            GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {role};
            """);
        string connection = server.ConnectionString().Replace("Username=postgres", $"Username={role}", StringComparison.Ordinal);
        await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection, $"CREATE TABLE {schema}.denied (x int)"));

        await using var ledger = new PostgresBudgetLedger(new PostgresLedgerOptions { ConnectionString = connection, Schema = schema });
        Assert.True((await ledger.ReserveAsync(new ReservationRequest("a", [new BudgetPool("limited", 1_000)], 400, TimeSpan.FromMinutes(5)), Ct)).Granted);
        Assert.Equal(SettlementStatus.Settled, (await ledger.CommitAsync("a", 100, Ct)).Status);
        Assert.Equal(100, (await ledger.GetStateAsync(new BudgetPool("limited", 1_000), Ct)).SpentMicros);
    }

    [Fact]
    public async Task TablesAnEarlierVersionMade_WithoutTheProviderColumn_AreUpgradedOnFirstUse_KeepingTheirRows()
    {
        var server = await PostgresTestServer.SharedAsync();
        string schema = "su" + Guid.NewGuid().ToString("N")[..10];
        var pool = new BudgetPool("b", 1_000);
        await using (var ledger = new PostgresBudgetLedger(new PostgresLedgerOptions { ConnectionString = server.ConnectionString(), Schema = schema }))
        {
            Assert.True((await ledger.ReserveAsync(new ReservationRequest("old", [pool], 300, TimeSpan.FromMinutes(5)) { Model = "gpt-4o" }, Ct)).Granted);
            Assert.True((await ledger.ReserveAsync(new ReservationRequest("open", [pool], 200, TimeSpan.FromMinutes(5)) { Model = "gpt-4o" }, Ct)).Granted);
            await ledger.CommitAsync("old", 120, Ct);
        }

        // What the first release made: the same tables without the provider columns.
        await ExecuteAsync(server.ConnectionString(), $"ALTER TABLE {schema}.leases DROP COLUMN provider; ALTER TABLE {schema}.spend_log DROP COLUMN provider");

        await using (var ledger = new PostgresBudgetLedger(new PostgresLedgerOptions { ConnectionString = server.ConnectionString(), Schema = schema }))
        {
            Assert.Equal((120L, 200L), ((await ledger.GetStateAsync(pool, Ct)).SpentMicros, (await ledger.GetStateAsync(pool, Ct)).ReservedMicros));
            Assert.Equal(SettlementStatus.Settled, (await ledger.CommitAsync("open", 50, Ct)).Status);
            Assert.True(ledger.Reserve(new ReservationRequest("new", [pool], 100, TimeSpan.FromMinutes(5)) { Provider = "anthropic", Model = "claude-haiku-4-5" }).Granted);
            Assert.Equal(SettlementStatus.Settled, ledger.Commit("new", 30).Status);

            var log = await ledger.ReadSpendLogAsync(new SpendLogQuery("b"), Ct);

            Assert.Equal([("old", (string?)null, 120L), ("open", null, 50L), ("new", "anthropic", 30L)], log.Select(e => (e.LeaseId, e.Provider, e.CostMicros)));
        }

        string fresh = "sf" + Guid.NewGuid().ToString("N")[..10];
        await ExecuteAsync(server.ConnectionString(), PostgresSchema.ScriptFor(fresh));
        Assert.Equal(await DescribeAsync(server, fresh), await DescribeAsync(server, schema));
    }

    [Fact]
    public async Task ARoleThatMayNotUpgradeOlderTables_IsToldToRunTheScriptAsTheirOwner()
    {
        var server = await PostgresTestServer.SharedAsync();
        string schema = "so" + Guid.NewGuid().ToString("N")[..10];
        string role = "r" + Guid.NewGuid().ToString("N")[..10];
        await ExecuteAsync(server.ConnectionString(), PostgresSchema.ScriptFor(schema) + $"""
            ;
            ALTER TABLE {schema}.leases DROP COLUMN provider;
            ALTER TABLE {schema}.spend_log DROP COLUMN provider;
            CREATE ROLE {role} LOGIN;
            GRANT USAGE ON SCHEMA {schema} TO {role};
            GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {role};
            """);
        string connection = server.ConnectionString().Replace("Username=postgres", $"Username={role}", StringComparison.Ordinal);

        await using var ledger = new PostgresBudgetLedger(new PostgresLedgerOptions { ConnectionString = connection, Schema = schema });
        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () => await ledger.ReserveAsync(new ReservationRequest("a", [new BudgetPool("b", 1_000)], 400, TimeSpan.FromMinutes(5)), Ct));

        Assert.Contains($"schema {schema} are missing or older", error.Message, StringComparison.Ordinal);
        Assert.Contains("Run the package's schema.sql as the tables' owner", error.Message, StringComparison.Ordinal);
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>The columns, constraints and indexes of a schema, with the schema's name taken out.</summary>
    private static async Task<string> DescribeAsync(PostgresTestServer server, string schema)
    {
        string sql = """
            SELECT string_agg(line, E'\n' ORDER BY line) FROM (
                SELECT format('column %s.%s %s %s %s %s', table_name, column_name, data_type, is_nullable, column_default, collation_name) AS line
                FROM information_schema.columns WHERE table_schema = $1
                UNION ALL
                SELECT format('index %s %s', indexname, replace(indexdef, quote_ident($1) || '.', ''))
                FROM pg_indexes WHERE schemaname = $1
                UNION ALL
                SELECT format('constraint %s %s', conname, pg_get_constraintdef(c.oid))
                FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = $1) AS lines
            """;
        return (string)(await server.ScalarAsync(sql, schema))!;
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "AgentGuard.Http.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("The repository root (AgentGuard.Http.sln) is not above the test's directory.");
    }
}
