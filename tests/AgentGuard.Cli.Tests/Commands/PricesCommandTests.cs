using System.Text.Json;
using AgentGuard.Cli.Tests.Infrastructure;

namespace AgentGuard.Cli.Tests.Commands;

/// <summary><c>prices</c>: the embedded table with its date, and overrides applied as the guard applies them.</summary>
public sealed class PricesCommandTests
{
    [Fact]
    public async Task Prices_ShowTheEmbeddedTableAndItsDate()
    {
        var result = await AgentGuardCli.RunAsync("prices", "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        var table = result.Json();
        Assert.Equal("2026-11", table.GetProperty("date").GetString());
        var mini = table.GetProperty("models").EnumerateArray().Single(m => m.GetProperty("name").GetString() == "gpt-4o-mini");
        Assert.Equal(0.15m, mini.GetProperty("input").GetDecimal());
        Assert.Equal(0.6m, mini.GetProperty("output").GetDecimal());
        Assert.Equal(0.5m, mini.GetProperty("tierMultipliers").GetProperty("batch").GetDecimal());
        Assert.Equal("tiles 2833 + 5667", mini.GetProperty("imageTokens").GetString());
        var models = table.GetProperty("models").EnumerateArray().ToDictionary(m => m.GetProperty("name").GetString()!);
        Assert.Equal("patches ×1.72", models["o4-mini"].GetProperty("imageTokens").GetString());
        Assert.Equal(JsonValueKind.Null, models["gpt-4"].GetProperty("imageTokens").ValueKind);
        Assert.Equal(0.02m, models["text-embedding-3-small"].GetProperty("input").GetDecimal());
    }

    [Fact]
    public async Task PricesFile_OverridesAndAdds()
    {
        using var directory = new TempDirectory("prices");
        string file = directory.File("prices.json");
        await File.WriteAllTextAsync(file, """
            {"date":"2026-12","models":{
              "gpt-4o-mini":{"input":0.2,"output":0.8,"contextWindow":128000,"maxOutputTokens":16384,"encoding":"o200k_base"},
              "my-model":{"input":1,"output":4,"contextWindow":8000,"maxOutputTokens":1000}}}
            """, TestContext.Current.CancellationToken);

        var result = await AgentGuardCli.RunAsync("prices", "--prices-file", file, "--json");
        var table = await AgentGuardCli.RunAsync("prices", "--prices-file", file);

        Assert.True(result.ExitCode == 0, result.ToString());
        var models = result.Json().GetProperty("models").EnumerateArray().ToDictionary(m => m.GetProperty("name").GetString()!);
        Assert.Equal(0.2m, models["gpt-4o-mini"].GetProperty("input").GetDecimal());
        Assert.Equal(4m, models["my-model"].GetProperty("output").GetDecimal());
        Assert.True(models.ContainsKey("gpt-5"));
        Assert.Contains("Overridden by the prices file", result.Json().GetProperty("source").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, table.ExitCode);
        Assert.Contains("my-model", table.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Prices_WithAPricesFile_PrintsTheFilesDate_BesideTheBuiltInTables()
    {
        using var directory = new TempDirectory("prices");
        string file = directory.File("prices.json");
        await File.WriteAllTextAsync(file, """
            {"date":"2031-05","models":{"my-model":{"input":1,"output":4,"contextWindow":8000,"maxOutputTokens":1000}}}
            """, TestContext.Current.CancellationToken);

        var json = await AgentGuardCli.RunAsync("prices", "--prices-file", file, "--json");
        var table = await AgentGuardCli.RunAsync("prices", "--prices-file", file);

        Assert.True(json.ExitCode == 0, json.ToString());
        Assert.Equal("2031-05", json.Json().GetProperty("pricesFile").GetProperty("date").GetString());
        Assert.Contains("dated 2031-05", table.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadPricesFile_IsExitTwo_AndNamesTheProblem()
    {
        using var directory = new TempDirectory("prices");
        string file = directory.File("prices.json");
        await File.WriteAllTextAsync(file, """{"models":{"x":{"input":1}}}""", TestContext.Current.CancellationToken);

        var result = await AgentGuardCli.RunAsync("prices", "--prices-file", file);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("model 'x' needs", result.StandardError, StringComparison.Ordinal);
    }
}
