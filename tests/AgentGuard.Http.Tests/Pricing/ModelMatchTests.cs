using System.Text;
using System.Text.Json;
using AgentGuard.Http.Pricing;

namespace AgentGuard.Http.Tests.Pricing;

/// <summary>genai-prices' matching rules, read from JSON and applied to names as given.</summary>
public sealed class ModelMatchTests
{
    [Theory]
    [InlineData("""{"equals": "gpt-4o"}""", "gpt-4o", true)]
    [InlineData("""{"equals": "gpt-4o"}""", "gpt-4o-mini", false)]
    [InlineData("""{"equals": "gpt-4o"}""", "GPT-4O", false)]
    [InlineData("""{"starts_with": "claude-opus-4-5"}""", "claude-opus-4-5-20251101", true)]
    [InlineData("""{"ends_with": "claude-opus-5"}""", "vertex/claude-opus-5", true)]
    [InlineData("""{"contains": "claude-opus-5@"}""", "claude-opus-5@20260101", true)]
    [InlineData("""{"regex": "^claude-opus-5-\\d{8}$"}""", "claude-opus-5-20260101", true)]
    [InlineData("""{"regex": "^claude-opus-5-\\d{8}$"}""", "claude-opus-5-2026010", false)]
    [InlineData("""{"regex": "^x-\\d$"}""", "x-\u0663", false)]
    [InlineData("""{"or": [{"equals": "a"}, {"equals": "b"}]}""", "b", true)]
    [InlineData("""{"and": [{"starts_with": "gemini-2.5-pro"}, {"regex": "^(?!.*-[tT][tT][sS](?:$|-))"}]}""", "gemini-2.5-pro-preview", true)]
    [InlineData("""{"and": [{"starts_with": "gemini-2.5-pro"}, {"regex": "^(?!.*-[tT][tT][sS](?:$|-))"}]}""", "gemini-2.5-pro-preview-tts", false)]
    public void IsMatch_Rule_MatchesAsGenaiPricesButCaseSensitive(string rule, string name, bool matches)
    {
        Assert.Equal(matches, Read(rule).IsMatch(name));
    }

    [Fact]
    public void ExactNames_AreTheEqualsClausesOutsideAnd()
    {
        var rule = Read("""{"or": [{"equals": "a"}, {"starts_with": "b"}, {"and": [{"equals": "c"}, {"contains": "c"}]}, {"equals": "d"}]}""");

        Assert.Equal(["a", "d"], rule.ExactNames());
        Assert.True(rule.HasPatterns);
        Assert.False(Read("""{"or": [{"equals": "a"}]}""").HasPatterns);
    }

    [Fact]
    public void Either_FlattensAndDropsDuplicates()
    {
        var either = ModelMatch.Either(Read("""{"or": [{"equals": "a"}, {"equals": "b"}]}"""), Read("""{"or": [{"equals": "b"}, {"equals": "c"}]}"""));

        Assert.Equal(["a", "b", "c"], either.ExactNames());
    }

    [Fact]
    public void WriteTo_WritesWhatReadReads()
    {
        const string Rule = """{"or":[{"equals":"a"},{"and":[{"starts_with":"b"},{"regex":"^b\\d$"}]}]}""";
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Read(Rule).WriteTo(writer);
        }

        Assert.Equal(Rule, Encoding.UTF8.GetString(buffer.ToArray()));
    }

    [Theory]
    [InlineData("""{}""", "empty")]
    [InlineData("""{"equals": "a", "contains": "b"}""", "one clause")]
    [InlineData("""{"like": "a"}""", "unknown clause 'like'")]
    [InlineData("""{"or": []}""", "needs a list of rules")]
    [InlineData("""{"equals": 1}""", "non-empty string")]
    [InlineData("""{"regex": "("}""", "regex '(' is invalid")]
    [InlineData("""["a"]""", "must be an object")]
    public void Read_InvalidRule_SaysWhy(string rule, string problem)
    {
        var ex = Assert.Throws<InvalidDataException>(() => Read(rule));

        Assert.Contains(problem, ex.Message, StringComparison.Ordinal);
    }

    private static ModelMatch Read(string json)
    {
        using var document = JsonDocument.Parse(json);
        return ModelMatch.Read(document.RootElement, problem => new InvalidDataException(problem));
    }
}
