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
        Assert.Equal(EmbeddedDate(), table.GetProperty("date").GetString());
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

    /// <summary>Issue 20: <c>prices --prices-file</c> kept printing the built-in table's date, never the file's.</summary>
    [Fact]
    public async Task PricesWithPricesFile_PrintsTheFilesDateAndSource_NotOnlyTheBuiltInTables()
    {
        using var directory = new TempDirectory("prices");
        string file = directory.File("negotiated.json");
        await File.WriteAllTextAsync(file, """
            {"date":"2027-01","source":"our negotiated prices","models":{
              "gpt-4o-mini":{"input":0.1,"output":0.4,"contextWindow":128000,"maxOutputTokens":16384}}}
            """, TestContext.Current.CancellationToken);

        var text = await AgentGuardCli.RunAsync("prices", "--prices-file", file);
        var json = await AgentGuardCli.RunAsync("prices", "--prices-file", file, "--json");

        Assert.True(text.ExitCode == 0, text.ToString());
        Assert.Contains($"the prices file '{file}': dated 2027-01, 1 models. our negotiated prices", text.StandardOutput, StringComparison.Ordinal);
        Assert.Contains($"dated {EmbeddedDate()}", text.StandardOutput, StringComparison.Ordinal);
        var mini = json.Json().GetProperty("models").EnumerateArray().Single(m => m.GetProperty("name").GetString() == "gpt-4o-mini");
        Assert.Equal("2027-01", mini.GetProperty("date").GetString());
        Assert.Equal("our negotiated prices", mini.GetProperty("source").GetString());
        var gpt4o = json.Json().GetProperty("models").EnumerateArray().Single(m => m.GetProperty("name").GetString() == "gpt-4o");
        Assert.Equal(EmbeddedDate(), gpt4o.GetProperty("date").GetString());
    }

    /// <summary>Issue 20: a mistyped price said "The JSON value could not be converted to System.Nullable`1[System.Decimal]".</summary>
    [Fact]
    public async Task PricesFileTypeError_SaysANumberAndNamesTheField_NotSystemNullable()
    {
        using var directory = new TempDirectory("prices");
        string file = directory.File("prices.json");
        await File.WriteAllTextAsync(file, """{"models":{"my-model":{"input":"0.15","output":0.6,"contextWindow":128000,"maxOutputTokens":16384}}}""", TestContext.Current.CancellationToken);

        var result = await AgentGuardCli.RunAsync("prices", "--prices-file", file);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("model 'my-model', property 'input': expected a number, not a string", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", result.StandardError, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("anthropic", "claude-sonnet-4-5", "gpt-4o")]
    [InlineData("google", "gemini-2.5-pro", "gpt-4o")]
    [InlineData("azure", "phi-4", "gemini-2.5-pro")]
    [InlineData("azure.ai.openai", "gpt-4o", "gemini-2.5-pro")]
    [InlineData("openai", "gpt-5.6-sol", "claude-sonnet-4-5")]
    public async Task PricesProvider_ListsTheModelsItBills_WithTheirDateAndSource(string provider, string listed, string notListed)
    {
        var result = await AgentGuardCli.RunAsync("prices", "--provider", provider, "--json");
        var text = await AgentGuardCli.RunAsync("prices", "--provider", provider);

        Assert.True(result.ExitCode == 0, result.ToString());
        var models = result.Json().GetProperty("models").EnumerateArray().ToDictionary(m => m.GetProperty("name").GetString()!);
        Assert.Contains(listed, models.Keys);
        Assert.DoesNotContain(notListed, models.Keys);
        Assert.Equal(EmbeddedDate(), models[listed].GetProperty("date").GetString());
        Assert.Contains("genai-prices", models[listed].GetProperty("source").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, text.ExitCode);
        Assert.Contains(listed, text.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PricesProvider_Unknown_IsExitTwo()
    {
        var result = await AgentGuardCli.RunAsync("prices", "--provider", "acme");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("Unknown provider 'acme' (use openai, anthropic, google, azure)", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PricesCheck_SaysHowOldTheTableIs_AndIsExitOneAfter90Days()
    {
        var day = DateOnly.ParseExact(EmbeddedDate(), "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

        var fresh = await AgentGuardCli.RunAsync("prices", "--check", "--as-of", day.AddDays(90).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        var stale = await AgentGuardCli.RunAsync("prices", "--check", "--as-of", day.AddDays(91).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), "--json");

        Assert.True(fresh.ExitCode == 0, fresh.ToString());
        Assert.Contains($"The price table is 90 days old: the embedded price table is dated {EmbeddedDate()}", fresh.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(1, stale.ExitCode);
        Assert.Equal(91, stale.Json().GetProperty("ageDays").GetInt32());
        Assert.True(stale.Json().GetProperty("stale").GetBoolean());
    }

    [Fact]
    public async Task PricesCheck_FreshImportReplacingEveryModel_IsTheImportsAge()
    {
        using var directory = new TempDirectory("prices");
        string file = directory.File("fresh.json");
        var import = await AgentGuardCli.RunAsync("prices", "import", Path.Combine(Artifacts.RepositoryRoot, "src", "AgentGuard.Http", "Pricing", "prices.json"), "--output", file);
        string text = (await File.ReadAllTextAsync(file, TestContext.Current.CancellationToken)).Replace($"\"date\": \"{EmbeddedDate()}\"", "\"date\": \"2099-01-01\"", StringComparison.Ordinal);
        await File.WriteAllTextAsync(file, text, TestContext.Current.CancellationToken);

        var check = await AgentGuardCli.RunAsync("prices", "--check", "--prices-file", file, "--as-of", "2099-02-01");

        Assert.True(import.ExitCode == 0, import.ToString());
        Assert.True(check.ExitCode == 0, check.ToString());
        Assert.Contains($"The price table is 31 days old: the prices file '{file}' is dated 2099-01-01", check.StandardOutput, StringComparison.Ordinal);
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

    /// <summary>The embedded table's date, as the generator wrote it.</summary>
    private static string EmbeddedDate()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(Artifacts.RepositoryRoot, "src", "AgentGuard.Http", "Pricing", "prices.json")));
        return document.RootElement.GetProperty("date").GetString()!;
    }
}
