using Microsoft.Extensions.Options;

// Not "AgentGuard.Http.Tests.Options": a namespace of that name would hide Microsoft.Extensions.Options.Options
// (Options.DefaultName, Options.Create) from every other test file under AgentGuard.Http.Tests.
namespace AgentGuard.Http.Tests.OptionsValidation;

public sealed class AgentGuardOptionsValidatorTests
{
    [Fact]
    public void Validate_Defaults_WithABudget_Succeed()
    {
        var result = Validate(new AgentGuardOptions { BudgetUsd = 10m });

        Assert.True(result.Succeeded);
        Assert.Null(result.FailureMessage);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("0.0000001")]
    [InlineData("0.0000009")]
    public void Validate_BudgetUsdNotAtLeastOneMicroDollar_FailsNamingBudgetUsd(string budget)
    {
        var result = Validate(new AgentGuardOptions { BudgetUsd = Dec(budget) });

        Assert.True(result.Failed);
        Assert.Contains("BudgetUsd", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains(budget, result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("10000000000000")]
    [InlineData("79228162514264337593543950335")]
    public void Validate_BudgetUsdBeyondTheLedgersRange_FailsNamingBudgetUsd(string budget)
    {
        // Ledgers hold whole micro-dollars in a long: about $9.2 trillion at most.
        var options = new AgentGuardOptions { BudgetUsd = Dec(budget) };

        var ex = Record.Exception(() => Validate(options));

        Assert.True(ex is null, $"Validate threw instead of reporting an invalid BudgetUsd: {ex}");
        var result = Validate(options);
        Assert.True(result.Failed);
        Assert.Contains("BudgetUsd", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0.000001")]
    [InlineData("0.01")]
    [InlineData("1000000")]
    public void Validate_BudgetUsdOfAtLeastOneMicroDollar_Succeeds(string budget)
    {
        Assert.True(Validate(new AgentGuardOptions { BudgetUsd = Dec(budget) }).Succeeded);
    }

    [Theory]
    [InlineData("openai")]
    [InlineData("azure.ai.openai")]
    [InlineData("OpenAI")]
    public void Validate_AKnownProvider_Succeeds(string provider) =>
        Assert.True(Validate(new AgentGuardOptions { BudgetUsd = 1m, Provider = provider }).Succeeded);

    [Fact]
    public void Validate_AnUnknownProvider_FailsNamingTheKnownOnes()
    {
        var result = Validate(new AgentGuardOptions { BudgetUsd = 1m, Provider = "mistral" });

        Assert.True(result.Failed);
        Assert.Contains("AgentGuardOptions.Provider is 'mistral'", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("openai, azure.ai.openai", result.FailureMessage.Replace("azure.ai.openai, openai", "openai, azure.ai.openai", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("mistral:images", "provider 'mistral'")]
    [InlineData("openai:", "empty name")]
    [InlineData("openai:/", "empty name")]
    public void Validate_AnAllowedEndpointWithABadPrefixOrNoName_Fails(string entry, string expected)
    {
        var result = Validate(new AgentGuardOptions { BudgetUsd = 1m, AllowedUnboundedEndpoints = [entry] });

        Assert.True(result.Failed);
        Assert.Contains(expected, result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("openai:images")]
    [InlineData("images")]
    [InlineData("models/{id}:countTokens")]
    public void Validate_AllowedEndpointsWithAKnownPrefixOrNone_Succeed(string entry) =>
        Assert.True(Validate(new AgentGuardOptions { BudgetUsd = 1m, AllowedUnboundedEndpoints = [entry] }).Succeeded);

    [Fact]
    public void Validate_BudgetUsdUnset_Fails()
    {
        var result = Validate(new AgentGuardOptions());

        Assert.True(result.Failed);
        Assert.Contains("AgentGuardOptions.BudgetUsd is required: set it to the budget in USD", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("101")]
    [InlineData("-5")]
    [InlineData("100.0001")]
    public void Validate_ThresholdOutsideZeroToHundred_FailsNamingWarningThresholds(string threshold)
    {
        var result = Validate(new AgentGuardOptions { BudgetUsd = 1m, WarningThresholds = [50m, Dec(threshold)] });

        Assert.True(result.Failed);
        Assert.Contains("WarningThresholds", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains(threshold, result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("100")]
    [InlineData("0.5")]
    [InlineData("0.0001")]
    public void Validate_ThresholdWithinZeroToHundred_Succeeds(string threshold)
    {
        Assert.True(Validate(new AgentGuardOptions { BudgetUsd = 1m, WarningThresholds = [Dec(threshold)] }).Succeeded);
    }

    [Fact]
    public void Validate_NoThresholds_Succeeds()
    {
        Assert.True(Validate(new AgentGuardOptions { BudgetUsd = 1m, WarningThresholds = [] }).Succeeded);
    }

    [Fact]
    public void Validate_NullThresholds_FailsNamingWarningThresholds()
    {
        var result = Validate(new AgentGuardOptions { BudgetUsd = 1m, WarningThresholds = null! });

        Assert.True(result.Failed);
        Assert.Contains("WarningThresholds must not be null", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void Validate_LeaseDurationNotPositive_FailsNamingLeaseDuration(int seconds)
    {
        var result = Validate(new AgentGuardOptions { BudgetUsd = 1m, LeaseDuration = TimeSpan.FromSeconds(seconds) });

        Assert.True(result.Failed);
        Assert.Contains("LeaseDuration must be greater than zero", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_UndefinedEnums_FailNamingTheOption()
    {
        var result = Validate(new AgentGuardOptions { BudgetUsd = 1m, ServiceTier = (ServiceTier)9, RefusalMode = (BudgetRefusalMode)7 });

        Assert.True(result.Failed);
        Assert.Contains("ServiceTier has an unknown value 9", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("RefusalMode has an unknown value 7", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("  ")]
    [InlineData("")]
    [InlineData("team/a")]
    [InlineData("team@2026")]
    [InlineData("team:a")]
    [InlineData("{team}")]
    public void Validate_BlankOrStructuredBudgetName_FailsNamingBudgetName(string name)
    {
        var result = Validate(new AgentGuardOptions { BudgetUsd = 1m, BudgetName = name });

        Assert.True(result.Failed);
        Assert.Contains("BudgetName must be non-empty and contain none of / : @ { }", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_UnknownTimeZone_FailsNamingIt()
    {
        var result = Validate(new AgentGuardOptions { BudgetUsd = 1m, TimeZone = "Mars/Olympus_Mons" });

        Assert.True(result.Failed);
        Assert.Contains("TimeZone 'Mars/Olympus_Mons' is not a time zone", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_ScopeLimitOfZero_FailsNamingTheLevel()
    {
        var options = new AgentGuardOptions { BudgetUsd = 1m };
        options.ScopeLimits["tenant"] = new ScopeLimit { DefaultUsd = 0m };

        var result = Validate(options);

        Assert.True(result.Failed);
        Assert.Contains("ScopeLimits['tenant'] must have limits greater than zero", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_InvalidPrice_FailsNamingTheModel()
    {
        var options = new AgentGuardOptions { BudgetUsd = 1m };
        options.Prices["my-fine-tune"] = new ModelPrice { InputUsdPerMillionTokens = -1m, OutputUsdPerMillionTokens = 1m, ContextWindowTokens = 1000, MaxOutputTokens = 10 };

        var result = Validate(options);

        Assert.True(result.Failed);
        Assert.Contains("AgentGuardOptions.Prices: model 'my-fine-tune' has a negative price.", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_ValidPrice_Succeeds()
    {
        var options = new AgentGuardOptions { BudgetUsd = 1m };
        options.Prices["my-model"] = new ModelPrice { InputUsdPerMillionTokens = 1m, OutputUsdPerMillionTokens = 2m, ContextWindowTokens = 1000, MaxOutputTokens = 10, Encoding = "o200k_base" };

        Assert.True(Validate(options).Succeeded);
    }

    [Fact]
    public void Validate_PricesFileMissing_FailsNamingTheFile()
    {
        string path = Path.Combine(Path.GetTempPath(), $"agentguard-missing-{Guid.NewGuid():N}.json");

        var result = Validate(new AgentGuardOptions { BudgetUsd = 1m, PricesFile = path });

        Assert.True(result.Failed);
        Assert.Contains("PricesFile", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains($"'{path}' does not exist", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"models": {"m": {"input": 1""", null)]
    [InlineData("""{"models": {"bad-model": {"input": 1, "output": -2, "contextWindow": 10, "maxOutputTokens": 1}}}""", "'bad-model'")]
    [InlineData("""{"models": {"bad-model": {"input": 1, "output": 2, "contextWindow": 10, "maxOutputTokens": 1, "extra": 1}}}""", "'bad-model'")]
    public void Validate_PricesFileMalformed_FailsNamingTheFile(string text, string? model)
    {
        string path = Path.Combine(Path.GetTempPath(), $"agentguard-prices-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, text);
        try
        {
            var result = Validate(new AgentGuardOptions { BudgetUsd = 1m, PricesFile = path });

            Assert.True(result.Failed);
            Assert.Contains($"AgentGuardOptions.PricesFile: Cannot read the prices file '{path}'", result.FailureMessage, StringComparison.Ordinal);
            if (model is not null)
            {
                Assert.True(result.FailureMessage.Contains(model, StringComparison.Ordinal), $"The message does not name the model: {result.FailureMessage}");
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Validate_PricesFileValid_Succeeds()
    {
        string path = Path.Combine(Path.GetTempPath(), $"agentguard-prices-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, """{"models": {"m": {"input": 1, "output": 2, "contextWindow": 10, "maxOutputTokens": 1}}}""");
        try
        {
            Assert.True(Validate(new AgentGuardOptions { BudgetUsd = 1m, PricesFile = path }).Succeeded);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Validate_SeveralErrors_ReportsEachOfThem()
    {
        var result = Validate(new AgentGuardOptions { BudgetUsd = 0m, WarningThresholds = [0m], LeaseDuration = TimeSpan.Zero, BudgetName = " " });

        Assert.True(result.Failed);
        Assert.Equal(4, result.Failures.Count());
    }

    [Fact]
    public void ThrowIfInvalid_InvalidOptions_ThrowsArgumentExceptionWithEveryError()
    {
        var ex = Assert.Throws<ArgumentException>(() => AgentGuardOptionsValidator.ThrowIfInvalid(new AgentGuardOptions { BudgetUsd = -1m, WarningThresholds = [101m] }));

        Assert.Equal("options", ex.ParamName);
        Assert.Contains("BudgetUsd", ex.Message, StringComparison.Ordinal);
        Assert.Contains("WarningThresholds", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_InvalidOptions_ThrowsArgumentExceptionWithTheMessage()
    {
        var ex = Assert.Throws<ArgumentException>(() => BudgetedSession.Create(new AgentGuardOptions { BudgetUsd = 0.0000001m }));

        Assert.Contains("AgentGuardOptions.BudgetUsd must be at least 0.000001 (one micro-dollar), but it is 0.0000001.", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_BlankBudgetName_ThrowsArgumentExceptionNamingBudgetName()
    {
        var ex = Assert.Throws<ArgumentException>(() => BudgetedSession.Create(new AgentGuardOptions { BudgetUsd = 1m, BudgetName = "  " }));

        Assert.Contains("BudgetName", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_ValidOptions_CreatesTheBudgetWithTheLimit()
    {
        var session = BudgetedSession.Create(new AgentGuardOptions { BudgetUsd = 2.5m, BudgetName = "agent" });

        Assert.Equal("agent", session.Name);
        Assert.Equal(2.5m, session.GetBudget());
        Assert.Equal(2.5m, session.GetRemainingBudget());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(int.MaxValue)]
    public void Validate_MaxRequestBodyBytesOutOfRange_FailsSayingTheRange(int limit)
    {
        var result = Validate(new AgentGuardOptions { BudgetUsd = 1m, MaxRequestBodyBytes = limit });

        Assert.True(result.Failed);
        Assert.Equal($"AgentGuardOptions.MaxRequestBodyBytes must be between 1 and {Array.MaxLength} bytes, but it is {limit}.", result.FailureMessage);
    }

    [Fact]
    public void MaxRequestBodyBytes_DefaultsTo32MiB_AndAnyPositiveArrayLengthIsValid()
    {
        Assert.Equal(32 * 1024 * 1024, new AgentGuardOptions().MaxRequestBodyBytes);
        Assert.True(Validate(new AgentGuardOptions { BudgetUsd = 1m, MaxRequestBodyBytes = 1 }).Succeeded);
        Assert.True(Validate(new AgentGuardOptions { BudgetUsd = 1m, MaxRequestBodyBytes = Array.MaxLength }).Succeeded);
    }

    private static ValidateOptionsResult Validate(AgentGuardOptions options) => AgentGuardOptionsValidator.Instance.Validate(null, options);

    private static decimal Dec(string text) => decimal.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
}
