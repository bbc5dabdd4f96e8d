using System.Text;
using AgentGuard.Cli.Tests.Infrastructure;

namespace AgentGuard.Cli.Tests.Commands;

/// <summary>
/// <c>estimate</c>: the worst case the guard would reserve, checked against the README's rule computed here by hand
/// (input: body bytes + 4 per message + 1 per name + 3; output: the request's cap; gpt-4o-mini at $0.15 / $0.60 per 1M).
/// </summary>
public sealed class EstimateCommandTests : IDisposable
{
    private const string Request = """
        {"model":"gpt-4o-mini","max_completion_tokens":100,
         "messages":[{"role":"system","content":"You are terse."},{"role":"user","name":"ana","content":"Héllo, what is 2+2?"}]}
        """;

    private readonly TempDirectory _directory = new("estimate");

    [Fact]
    public async Task Estimate_OfAFile_IsTheByteBoundWithItsBreakdown()
    {
        string file = Write("request.json", Request);
        long bytes = Encoding.UTF8.GetByteCount(Request);

        var result = await AgentGuardCli.RunAsync("estimate", file, "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        var estimate = result.Json();
        var input = estimate.GetProperty("input");
        Assert.Equal(bytes, input.GetProperty("textBytes").GetInt64());
        Assert.Equal((4 * 2) + 1 + 3, input.GetProperty("framing").GetInt64());
        Assert.Equal(0, input.GetProperty("tools").GetInt64());
        Assert.Equal(0, input.GetProperty("images").GetInt64());
        Assert.Equal(bytes + 12, input.GetProperty("total").GetInt64());
        Assert.Equal(100, estimate.GetProperty("output").GetProperty("total").GetInt64());
        long expected = (long)decimal.Ceiling(((bytes + 12) * 0.15m) + (100 * 0.60m));
        Assert.Equal(expected, estimate.GetProperty("byBytes").GetProperty("costMicros").GetInt64());
        Assert.Equal(expected, estimate.GetProperty("reserved").GetProperty("costMicros").GetInt64());
        Assert.Equal("standard", estimate.GetProperty("tier").GetString());
        Assert.True(estimate.GetProperty("fits").GetBoolean());
    }

    [Fact]
    public async Task Estimate_FromStandardInput_WithToolsAndResponseFormat_CountsTheirFraming()
    {
        const string body = """
            {"model":"gpt-4.1-nano","n":2,"messages":[{"role":"user","content":"hi"}],
             "tools":[{"type":"function","function":{"name":"a"}},{"type":"function","function":{"name":"b"}}],
             "response_format":{"type":"json_object"}}
            """;

        var result = await AgentGuardCli.RunAsync(["estimate", "-", "--json"], environment: null, standardInput: body);

        Assert.True(result.ExitCode == 0, result.ToString());
        var estimate = result.Json();
        Assert.Equal(16 * 3, estimate.GetProperty("input").GetProperty("tools").GetInt64());
        var output = estimate.GetProperty("output");
        Assert.Equal(2, output.GetProperty("choices").GetInt32());
        Assert.Equal(32_768, output.GetProperty("perChoice").GetInt64());
        Assert.Equal(2 * 32_768, output.GetProperty("total").GetInt64());
    }

    [Fact]
    public async Task BudgetLeft_BetweenTheBounds_ReservesTheTokenizerBound_AndBelowBoth_IsExitOne()
    {
        string file = Write("request.json", Request);
        var open = (await AgentGuardCli.RunAsync("estimate", file, "--json")).Json();
        long byBytes = open.GetProperty("byBytes").GetProperty("costMicros").GetInt64();
        long byTokenizer = open.GetProperty("byTokenizer").GetProperty("costMicros").GetInt64();
        Assert.True(byTokenizer < byBytes);

        var tight = await AgentGuardCli.RunAsync("estimate", file, "--json", "--budget-left", Usd(byTokenizer));
        var over = await AgentGuardCli.RunAsync("estimate", file, "--budget-left", Usd(byTokenizer - 1));

        Assert.True(tight.ExitCode == 0, tight.ToString());
        Assert.Equal(byTokenizer, tight.Json().GetProperty("reserved").GetProperty("costMicros").GetInt64());
        Assert.Equal(1, over.ExitCode);
        Assert.Contains("Refused", over.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TierAndServiceTier_PriceTheRequestAtTheirRates()
    {
        string file = Write("request.json", Request);
        string priority = Write("priority.json", Request.Replace("\"model\"", "\"service_tier\":\"priority\",\"model\"", StringComparison.Ordinal));

        var standard = (await AgentGuardCli.RunAsync("estimate", file, "--json")).Json();
        var batch = (await AgentGuardCli.RunAsync("estimate", file, "--json", "--tier", "batch")).Json();
        var named = (await AgentGuardCli.RunAsync("estimate", priority, "--json", "--tier", "batch")).Json();

        Assert.Equal("batch", batch.GetProperty("tier").GetString());
        Assert.Equal(0.075m, batch.GetProperty("byBytes").GetProperty("inputRate").GetDecimal());
        Assert.True(batch.GetProperty("byBytes").GetProperty("costMicros").GetInt64() < standard.GetProperty("byBytes").GetProperty("costMicros").GetInt64());
        Assert.Equal("priority", named.GetProperty("tier").GetString());
    }

    [Theory]
    [InlineData("""{"model":"gpt-4o-mini","messages":[{"role":"user","content":[{"type":"file","file":{"file_id":"file-1"}}]}]}""", 1, "file input")]
    [InlineData("""{"model":"gpt-4","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"https://x/cat.png"}}]}]}""", 1, "no image rule")]
    [InlineData("""{"model":"my-private-model","messages":[]}""", 1, "my-private-model")]
    [InlineData("""{"model":"gpt-4o-mini","messages":[""", 2, "not valid JSON")]
    [InlineData("""{"messages":[]}""", 2, "no \"model\"")]
    public async Task RequestTheGuardCannotPrice_IsRefusedOrBadInput(string body, int exitCode, string expected)
    {
        var result = await AgentGuardCli.RunAsync("estimate", Write("request.json", body));

        Assert.Equal(exitCode, result.ExitCode);
        Assert.Contains(expected, result.StandardError, StringComparison.Ordinal);
        Assert.Single(result.StandardError.Trim().Split('\n'));
    }

    [Fact]
    public async Task BodyThatIsNotUtf8_IsBadInput_AsTheGuardRefusesIt()
    {
        string path = _directory.File("latin1.json");
        File.WriteAllBytes(path, Encoding.Latin1.GetBytes("""{"model":"gpt-4o-mini","messages":[{"role":"user","content":"café"}]}"""));

        var result = await AgentGuardCli.RunAsync("estimate", path);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("the body is not valid UTF-8", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Estimate_WithAnImageByUrl_CountsItsFamilysWorstCase_AndNotItsUrlAsText()
    {
        const string Body = """{"model":"gpt-4o-mini","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"https://example.com/cat.png"}}]}]}""";

        var result = await AgentGuardCli.RunAsync("estimate", Write("request.json", Body), "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        var input = result.Json().GetProperty("input");
        Assert.Equal(48_169, input.GetProperty("images").GetInt64());
        Assert.Equal(Body.Length - "https://example.com/cat.png".Length, input.GetProperty("textBytes").GetInt64());
        Assert.Equal(input.GetProperty("textBytes").GetInt64() + input.GetProperty("framing").GetInt64() + 48_169, input.GetProperty("total").GetInt64());
    }

    /// <summary>Issue 20: <c>estimate</c> on an unknown model gave the library's advice (AgentGuardOptions.Prices), not the CLI's.</summary>
    [Fact]
    public async Task EstimateUnknownModel_AdvisesPricesFile_NotTheLibrarysOptions()
    {
        string file = Write("request.json", """{"model":"my-private-model","messages":[{"role":"user","content":"hi"}]}""");

        var result = await AgentGuardCli.RunAsync("estimate", file);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("The guard would refuse this request: The model 'my-private-model' has no price", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("pass --prices-file FILE", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("agentguard prices import", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("AgentGuardOptions.Prices[", result.StandardError, StringComparison.Ordinal);
    }

    /// <summary>Issue 20: a typo such as gpt-4o-mni was refused without a word about the name it is near.</summary>
    [Fact]
    public async Task EstimateTypoGpt4oMni_GetsADidYouMean()
    {
        string file = Write("request.json", """{"model":"gpt-4o-mni","messages":[{"role":"user","content":"hi"}]}""");

        var result = await AgentGuardCli.RunAsync("estimate", file);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("The model 'gpt-4o-mni' has no price", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("Did you mean 'gpt-4o-mini'?", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("--prices-file", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("AgentGuardOptions.Prices[", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PricesFile_AddsAModelTheEstimateCanPrice()
    {
        string prices = Write("prices.json", """
            {"date":"2026-12","models":{"my-model":{"input":1.0,"output":4.0,"contextWindow":8000,"maxOutputTokens":1000}}}
            """);
        const string body = """{"model":"my-model","messages":[{"role":"user","content":"hi"}]}""";

        var result = await AgentGuardCli.RunAsync("estimate", Write("request.json", body), "--prices-file", prices, "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        var estimate = result.Json();
        Assert.Equal("my-model", estimate.GetProperty("pricedAs").GetString());
        Assert.Null(estimate.GetProperty("byTokenizer").GetString());
        long input = body.Length + 4 + 3;
        Assert.Equal(input + (1000 * 4), estimate.GetProperty("byBytes").GetProperty("costMicros").GetInt64());
    }

    [Fact]
    public async Task MissingFile_IsExitTwo()
    {
        var result = await AgentGuardCli.RunAsync("estimate", _directory.File("absent.json"));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("does not exist", result.StandardError, StringComparison.Ordinal);
    }

    public void Dispose() => _directory.Dispose();

    private string Write(string name, string content)
    {
        string path = _directory.File(name);
        File.WriteAllText(path, content, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        return path;
    }

    private static string Usd(long micros) => (micros / 1_000_000m).ToString("0.000000", System.Globalization.CultureInfo.InvariantCulture);
}
