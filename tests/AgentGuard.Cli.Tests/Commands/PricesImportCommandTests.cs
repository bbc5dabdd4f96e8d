using System.Text.Json;
using AgentGuard.Cli.Tests.Infrastructure;
using AgentGuard.Cli.Tests.Pricing;

namespace AgentGuard.Cli.Tests.Commands;

/// <summary>
/// <c>prices import</c>, the generator's code path, over the committed excerpt of genai-prices 0.1.8: the prices in force
/// on or after the date, tiers, cache and audio rates, the overrides, the same model of several providers merged at the
/// higher prices, incomplete models left out; and every form the source comes in (data.json, bundle, tarball, folder).
/// </summary>
public sealed class PricesImportCommandTests : IDisposable
{
    private readonly TempDirectory _directory = new("import");

    [Fact]
    public async Task Import_Excerpt_BuildsTheTableAsTheGeneratorDoes()
    {
        var (result, models) = await ImportAsync(GenAiPricesExcerpt.DataJson, "2026-12-07");

        Assert.Contains("dated 2026-12-07", result.StandardOutput, StringComparison.Ordinal);

        // A fact-checked model: the source's prices and the overrides' limits, tiers, image rule and encoding.
        var gpt4o = models["gpt-4o"];
        Assert.Equal((2.5m, 1.25m, 10m), Prices(gpt4o));
        Assert.Equal((128_000, 16_384), Limits(gpt4o));
        Assert.Equal("o200k_base", gpt4o.GetProperty("encoding").GetString());
        Assert.Equal(1.7m, gpt4o.GetProperty("tierMultipliers").GetProperty("priority").GetDecimal());
        Assert.Equal("tiles", gpt4o.GetProperty("imageTokens").GetProperty("kind").GetString());

        // Conditional prices: o3's 2025-06-10 price cut is in force; gpt-5.6-sol's 2026-08-21 cut too.
        Assert.Equal((2m, 0.5m, 8m), Prices(models["o3"]));
        Assert.Equal((4m, 0.4m, 20m), Prices(models["gpt-5.6-sol"]));
        Assert.Equal(5m, models["gpt-5.6-sol"].GetProperty("cacheWrite").GetDecimal());

        // A rise announced for 2027-01-01 is in force on or after the date: the higher price.
        Assert.Equal((1.5m, 0.15m, 7.5m), Prices(models["gemini-3.6-flash"]));

        // Tiers reprice the whole request above their threshold: one long-context price.
        var longContext = models["gpt-5.4"].GetProperty("longContext");
        Assert.Equal(271_999, longContext.GetProperty("aboveInputTokens").GetInt32());
        Assert.Equal((5m, 0.5m, 22.5m), (longContext.GetProperty("input").GetDecimal(), longContext.GetProperty("cachedInput").GetDecimal(), longContext.GetProperty("output").GetDecimal()));

        // Anthropic's cache writes, 5-minute and 1-hour.
        var sonnet = models["claude-sonnet-4-5"];
        Assert.Equal((3.75m, 6m), (sonnet.GetProperty("cacheWrite").GetDecimal(), sonnet.GetProperty("cacheWrite1h").GetDecimal()));
        Assert.Equal((7.5m, 12m), (sonnet.GetProperty("longContext").GetProperty("cacheWrite").GetDecimal(), sonnet.GetProperty("longContext").GetProperty("cacheWrite1h").GetDecimal()));

        // Audio rates, and an image-output model priced at its image rate for every output token.
        Assert.Equal((32m, 64m), (models["gpt-audio"].GetProperty("audioInput").GetDecimal(), models["gpt-audio"].GetProperty("audioOutput").GetDecimal()));
        Assert.Equal(30m, models["gemini-2.5-flash-image"].GetProperty("output").GetDecimal());

        // The same model of several providers is one entry at the higher prices: Azure's o4-mini cached input, Vertex AI's
        // long-context tier of claude-opus-4-6 (Anthropic's is flat since 2026-03-13), Azure's o3-2025-04-16 is o3.
        Assert.Equal(0.28m, models["o4-mini"].GetProperty("cachedInput").GetDecimal());
        Assert.Equal(["anthropic", "google"], Providers(models["claude-opus-4-6"]));
        Assert.Equal(37.5m, models["claude-opus-4-6"].GetProperty("longContext").GetProperty("output").GetDecimal());
        Assert.Equal(["openai", "azure"], Providers(models["o3"]));
        Assert.Equal(["anthropic", "google"], Providers(models["claude-opus-4-0"]));
        Assert.False(models.ContainsKey("o3-2025-04-16"));
        Assert.False(models.ContainsKey("claude-4-opus"));

        // Every provider's batch tier; an Azure-only model; facts that define models the source lacks or completes.
        Assert.All(models.Values, m => Assert.Equal(0.5m, m.GetProperty("tierMultipliers").GetProperty("batch").GetDecimal()));
        Assert.Equal(["azure"], Providers(models["phi-4"]));
        Assert.Equal((0.4m, null, 0.4m), Prices(models["babbage-002"]));
        Assert.Equal(0m, models["text-embedding-3-small"].GetProperty("output").GetDecimal());

        // Never guessed: a model without a max output, a price in hours.
        Assert.False(models.ContainsKey("gpt-6-sol"));
        Assert.False(models.ContainsKey("whisper-1"));
        Assert.Contains("gpt-6-sol (no max output tokens)", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("whisper-1 (a price in a unit the table cannot represent (audio_hours))", result.StandardOutput, StringComparison.Ordinal);

        // Each entry says where its figures come from, with the matching rules of the source.
        Assert.Contains("genai-prices: openai gpt-4o", models["gpt-4o"].GetProperty("source").GetString(), StringComparison.Ordinal);
        Assert.Contains("LiteLLM", models["gpt-4o"].GetProperty("source").GetString(), StringComparison.Ordinal);
        Assert.True(models["o3"].TryGetProperty("match", out _));
    }

    [Fact]
    public async Task Import_EarlierDate_TakesTheHighestPriceInForceOnOrAfterIt()
    {
        // On 2026-08-01 gpt-5.6-sol still bills 5 / 30 until its 2026-08-21 cut: the higher of the two is in force.
        var (_, models) = await ImportAsync(GenAiPricesExcerpt.DataJson, "2026-08-01");

        Assert.Equal((5m, 0.5m, 30m), Prices(models["gpt-5.6-sol"]));
        Assert.Equal(6.25m, models["gpt-5.6-sol"].GetProperty("cacheWrite").GetDecimal());
    }

    [Fact]
    public async Task Import_NpmTarballBundleFolderAndFeed_ReadTheSameDataAsDataJson()
    {
        string tarball = _directory.File("pydantic-genai-prices-0.1.8.tgz");
        GenAiPricesExcerpt.WriteTarball(tarball);
        string folder = GenAiPricesExcerpt.WriteFolder(_directory.Path);

        var (_, fromJson) = await ImportAsync(GenAiPricesExcerpt.DataJson, "2026-12-07");
        foreach (string source in new[] { tarball, folder, GenAiPricesExcerpt.Bundle, GenAiPricesExcerpt.FeedJson })
        {
            var (result, models) = await ImportAsync(source, "2026-12-07");

            // The same figures; only the notes of where they come from name the package's version.
            Assert.Equal(fromJson.Keys, models.Keys);
            Assert.All(fromJson, m => Assert.Equal(WithoutSource(m.Value), WithoutSource(models[m.Key])));
            if (source == tarball || source == folder)
            {
                Assert.Contains("@pydantic/genai-prices 0.1.8", result.StandardOutput, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public async Task Import_Output_IsAPricesFileTheGuardReads_WithItsDate()
    {
        await ImportAsync(GenAiPricesExcerpt.DataJson, "2027-01-15");
        string file = _directory.File("prices.json");

        var prices = await AgentGuardCli.RunAsync("prices", "--prices-file", file, "--json");
        var estimate = await AgentGuardCli.RunAsync(["estimate", "-", "--prices-file", file, "--json"], environment: null,
            standardInput: """{"model":"gemini-3.6-flash","max_completion_tokens":10,"messages":[{"role":"user","content":"hi"}]}""");

        Assert.True(prices.ExitCode == 0, prices.ToString());
        var table = prices.Json();
        var mine = table.GetProperty("models").EnumerateArray().Single(m => m.GetProperty("name").GetString() == "gemini-3.6-flash");
        Assert.Equal("2027-01-15", mine.GetProperty("date").GetString());
        Assert.Equal($"the prices file '{file}'", mine.GetProperty("from").GetString());
        Assert.Contains(table.GetProperty("origins").EnumerateArray(), o => o.GetProperty("date").GetString() == "2027-01-15");
        Assert.True(estimate.ExitCode == 0, estimate.ToString());
        Assert.Equal("gemini-3.6-flash", estimate.Json().GetProperty("pricedAs").GetString());
    }

    [Fact]
    public async Task Import_OwnFormat_IsCheckedAndWrittenBack()
    {
        await ImportAsync(GenAiPricesExcerpt.DataJson, "2026-12-07");
        string first = _directory.File("prices.json");
        string again = _directory.File("again.json");

        var result = await AgentGuardCli.RunAsync("prices", "import", first, "--output", again);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(await File.ReadAllTextAsync(first, TestContext.Current.CancellationToken), await File.ReadAllTextAsync(again, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Import_ToStandardOutput_WritesTheTableThereAndTheSummaryToStandardError()
    {
        var result = await AgentGuardCli.RunAsync("prices", "import", GenAiPricesExcerpt.DataJson, "--date", "2026-12-07", "--provider", "anthropic");

        Assert.True(result.ExitCode == 0, result.ToString());
        var models = result.Json().GetProperty("models").EnumerateObject().ToList();
        Assert.NotEmpty(models);
        Assert.All(models, m => Assert.Contains("anthropic", Providers(m.Value)));
        Assert.Contains("dated 2026-12-07", result.StandardError, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"not": "prices"}""", "no \"models\" object")]
    [InlineData("""[{"id": "openai"}]""", "no \"models\" list")]
    [InlineData("const x = 1;", "no genai-prices data")]
    [InlineData("const E = [{ id: \"openai\", models: [ { id: `a${b}` } ] }];", "template literal without substitutions")]
    public async Task Import_NotPriceData_IsExitTwoAndSaysWhy(string content, string expected)
    {
        string file = _directory.File("input.txt");
        await File.WriteAllTextAsync(file, content, TestContext.Current.CancellationToken);

        var result = await AgentGuardCli.RunAsync("prices", "import", file, "--output", _directory.File("out.json"));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(expected, result.StandardError, StringComparison.Ordinal);
        Assert.False(File.Exists(_directory.File("out.json")));
    }

    [Theory]
    [InlineData("--date", "2026-13-01", "--date must be a date")]
    [InlineData("--provider", "acme", "Unknown provider 'acme'")]
    public async Task Import_BadOption_IsExitTwo(string option, string value, string expected)
    {
        var result = await AgentGuardCli.RunAsync("prices", "import", GenAiPricesExcerpt.DataJson, option, value, "--output", _directory.File("out.json"));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(expected, result.StandardError, StringComparison.Ordinal);
    }

    public void Dispose() => _directory.Dispose();

    private async Task<(ProcessResult Result, Dictionary<string, JsonElement> Models)> ImportAsync(string source, string date)
    {
        string output = _directory.File("prices.json");
        var result = await AgentGuardCli.RunAsync("prices", "import", source, "--date", date, "--output", output);
        Assert.True(result.ExitCode == 0, result.ToString());
        using var document = JsonDocument.Parse(await File.ReadAllTextAsync(output, TestContext.Current.CancellationToken));
        Assert.Equal(date, document.RootElement.GetProperty("date").GetString());
        return (result, document.RootElement.GetProperty("models").EnumerateObject().ToDictionary(m => m.Name, m => m.Value.Clone()));
    }

    private static (decimal Input, decimal? Cached, decimal Output) Prices(JsonElement model) => (
        model.GetProperty("input").GetDecimal(),
        model.TryGetProperty("cachedInput", out var cached) ? cached.GetDecimal() : null,
        model.GetProperty("output").GetDecimal());

    private static string WithoutSource(JsonElement model) =>
        string.Join(",", model.EnumerateObject().Where(p => p.Name != "source").Select(p => $"{p.Name}={p.Value.GetRawText()}"));

    private static (int Context, int MaxOutput) Limits(JsonElement model) =>
        (model.GetProperty("contextWindow").GetInt32(), model.GetProperty("maxOutputTokens").GetInt32());

    private static string[] Providers(JsonElement model) => [.. model.GetProperty("providers").EnumerateArray().Select(p => p.GetString()!)];
}
