using System.Net;
using System.Net.Sockets;
using AgentGuard.Cli.Tests.Infrastructure;
using AgentGuard.Http.Ledgers.Tests.Redis;
using StackExchange.Redis;

namespace AgentGuard.Cli.Tests.Commands;

/// <summary>
/// <c>--ledger</c> and <c>AGENTGUARD_LEDGER</c>: every bad spec and every unreachable store is one line on standard error
/// and exit 2, and no credential is ever printed, whether it came in the URL or from the environment.
/// </summary>
public sealed class LedgerSpecTests
{
    private const string Secret = "s3cret-Pa55word";

    [Fact]
    public async Task NoLedger_IsAUsageError()
    {
        var result = await AgentGuardCli.RunAsync("status");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("agentguard: No ledger: pass --ledger or set AGENTGUARD_LEDGER (use sqlite:PATH, redis://HOST:PORT or postgres://USER@HOST:PORT/DATABASE).", result.StandardError.Trim());
    }

    [Theory]
    [InlineData("mysql://root:" + Secret + "@db/budgets", "Unknown kind of ledger 'mysql:'")]
    [InlineData("redis://:" + Secret + "@", "The Redis ledger URL cannot be read")]
    [InlineData("redis://:" + Secret + "@localhost:6379/notanumber", "database number")]
    [InlineData("postgres://u:" + Secret + "@:5432/db", "The PostgreSQL ledger URL cannot be read")]
    [InlineData("postgres://u:" + Secret + "@db/app?color=blue", "unknown parameter 'color'")]
    [InlineData("Host=db;Password=" + Secret + ";Colour=blue", "connection string cannot be read")]
    public async Task MalformedSpec_SaysWhatIsWrong_WithoutRepeatingTheSecret(string spec, string expected)
    {
        var result = await AgentGuardCli.RunAsync("status", "--ledger", spec);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(expected, result.StandardError, StringComparison.Ordinal);
        AssertOneLineWithoutSecret(result);
    }

    [Fact]
    public async Task MissingSqliteFile_IsAnErrorAndCreatesNothing()
    {
        using var directory = new TempDirectory();
        string path = directory.File("typo.db");

        var result = await AgentGuardCli.RunAsync("status", "--ledger", "sqlite:" + path);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"agentguard: No SQLite ledger at {path}: the file does not exist.", result.StandardError.Trim());
        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task UnreachableRedis_IsExitTwo_WithoutThePassword()
    {
        var result = await AgentGuardCli.RunAsync("status", "--ledger", $"redis://agent:{Secret}@127.0.0.1:{ClosedPort()}");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("cannot be reached", result.StandardError, StringComparison.Ordinal);
        AssertOneLineWithoutSecret(result);
    }

    [Fact]
    public async Task UnreachablePostgres_IsExitTwo_WithoutThePasswordFromTheEnvironment()
    {
        var result = await AgentGuardCli.RunAsync(
            ["report", "--ledger", $"postgres://agent@127.0.0.1:{ClosedPort()}/budgets"],
            new Dictionary<string, string?> { ["PGPASSWORD"] = Secret });

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("postgres://127.0.0.1:", result.StandardError, StringComparison.Ordinal);
        AssertOneLineWithoutSecret(result);
    }

    [Fact]
    public async Task UnreachablePostgres_GivenAsAConnectionString_IsExitTwo_WithoutItsPassword()
    {
        var result = await AgentGuardCli.RunAsync("status", "--ledger", $"Host=127.0.0.1;Port={ClosedPort()};Username=agent;Password={Secret};Database=budgets");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("cannot be reached", result.StandardError, StringComparison.Ordinal);
        AssertOneLineWithoutSecret(result);
    }

    [Fact]
    public async Task RedisWithAPassword_FromTheUrlOrTheEnvironment_WorksAndIsNeverEchoed()
    {
        await using var server = await RedisTestServer.StartAsync();
        await using (var admin = await ConnectionMultiplexer.ConnectAsync(server.Configuration + ",allowAdmin=true"))
        {
            await admin.GetServer(admin.GetEndPoints()[0]).ExecuteAsync("CONFIG", "SET", "requirepass", Secret);
        }

        string host = $"127.0.0.1:{server.Port}";
        var fromUrl = await AgentGuardCli.RunAsync("status", "--json", "--ledger", $"redis://:{Uri.EscapeDataString(Secret)}@{host}");
        var fromEnvironment = await AgentGuardCli.RunAsync(
            ["status", "--json", "--ledger", $"redis://{host}"],
            new Dictionary<string, string?> { ["AGENTGUARD_REDIS_PASSWORD"] = Secret });
        var wrong = await AgentGuardCli.RunAsync(
            ["status", "--ledger", $"redis://{host}"],
            new Dictionary<string, string?> { ["AGENTGUARD_REDIS_PASSWORD"] = Secret + "-wrong" });

        foreach (var result in new[] { fromUrl, fromEnvironment })
        {
            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Equal($"redis:{host}", result.Json().GetProperty("ledger").GetString());
            Assert.DoesNotContain(Secret, result.StandardOutput + result.StandardError, StringComparison.Ordinal);
        }

        Assert.Equal(2, wrong.ExitCode);
        AssertOneLineWithoutSecret(wrong);
    }

    private static void AssertOneLineWithoutSecret(ProcessResult result)
    {
        Assert.Single(result.StandardError.Trim().Split('\n'));
        Assert.StartsWith("agentguard: ", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", result.StandardOutput + result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("Pa55word", result.StandardOutput + result.StandardError, StringComparison.Ordinal);
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
