using System.Text;
using AgentGuard.Http.Pricing;

namespace AgentGuard.Http.Tests.Pricing;

public sealed class PriceTableJsonTests
{
    private const string ValidFile = """
        {
          // Comments and trailing commas are allowed.
          "date": "2027-01",
          "source": "our negotiated prices",
          "models": {
            "gpt-4o-mini": { "input": 0.1, "cachedInput": 0.05, "output": 0.4, "contextWindow": 128000, "maxOutputTokens": 16384, "encoding": "o200k_base", "tierMultipliers": { "batch": 0.5, "Priority": 2 } },
            "my-model": {
              "input": 1, "output": 2, "contextWindow": 64000, "maxOutputTokens": 8000, "maxInputTokens": 56000,
              "longContext": { "aboveInputTokens": 32000, "input": 2, "cachedInput": 1, "output": 4 },
            },
          },
        }
        """;

    [Fact]
    public void ReadFile_ValidFile_ReadsEveryField()
    {
        using var file = new TempFile(ValidFile);

        var table = PriceTableJson.ReadFile(file.Path);

        Assert.Equal("2027-01", table.Date);
        Assert.Equal("our negotiated prices", table.Source);
        Assert.Equal(2, table.Models.Count);
        var mini = table.Models["gpt-4o-mini"];
        Assert.Equal((0.1m, 0.05m, 0.4m, 128000, 16384, "o200k_base"),
            (mini.InputUsdPerMillionTokens, mini.CachedInputUsdPerMillionTokens, mini.OutputUsdPerMillionTokens, mini.ContextWindowTokens, mini.MaxOutputTokens, mini.Encoding));
        Assert.Equal(0.5m, mini.TierMultipliers[ServiceTier.Batch]);
        Assert.Equal(2m, mini.TierMultipliers[ServiceTier.Priority]);
        Assert.False(mini.TierMultipliers.ContainsKey(ServiceTier.Flex));
        Assert.Null(mini.LongContext);

        var mine = table.Models["my-model"];
        Assert.Null(mine.CachedInputUsdPerMillionTokens);
        Assert.Null(mine.Encoding);
        Assert.Equal(56000, mine.MaxInputTokens);
        Assert.Empty(mine.TierMultipliers);
        Assert.NotNull(mine.LongContext);
        Assert.Equal((32000, 2m, 1m, 4m),
            (mine.LongContext.AboveInputTokens, mine.LongContext.InputUsdPerMillionTokens, mine.LongContext.CachedInputUsdPerMillionTokens, mine.LongContext.OutputUsdPerMillionTokens));
    }

    [Fact]
    public void ReadFile_ValidFile_OverridesAndAddsToTheEmbeddedTable()
    {
        using var file = new TempFile(ValidFile);

        var table = PriceTable.Embedded.With(PriceTableJson.ReadFile(file.Path).Models, $"the prices file '{file.Path}'");

        Assert.True(table.TryResolve("gpt-4o-mini-2024-07-18", out var mini));
        Assert.Equal(0.1m, mini.Price.InputUsdPerMillionTokens);
        Assert.True(mini.TryGetRates(ServiceTier.Priority, longContext: false, out var priority));
        Assert.Equal(new TokenRates(0.2m, 0.1m, 0.8m), priority);
        Assert.True(table.TryResolve("my-model", out var mine));
        Assert.True(mine.IsLongContext(32001));
        Assert.True(table.TryResolve("gpt-4o", out var gpt4o));
        Assert.Equal(2.5m, gpt4o.Price.InputUsdPerMillionTokens);
        Assert.Contains(file.Path, table.Source, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadFile_NoDateOrSource_UsesUnknownAndTheFile()
    {
        using var file = new TempFile("""{"models": {}}""");

        var table = PriceTableJson.ReadFile(file.Path);

        Assert.Equal("unknown", table.Date);
        Assert.Contains(file.Path, table.Source, StringComparison.Ordinal);
        Assert.Empty(table.Models);
    }

    [Fact]
    public void ReadFile_UnknownProperty_ThrowsNamingFileModelAndProperty()
    {
        using var file = new TempFile("""{"models": {"my-model": {"input": 1, "output": 2, "contextWindow": 1000, "maxOutputTokens": 100, "cachedInputs": 0.5}}}""");

        var ex = Assert.Throws<InvalidDataException>(() => PriceTableJson.ReadFile(file.Path));

        Assert.Contains(file.Path, ex.Message, StringComparison.Ordinal);
        Assert.Contains("cachedInputs", ex.Message, StringComparison.Ordinal);
        Assert.True(ex.Message.Contains("'my-model'", StringComparison.Ordinal), $"The message does not name the model: {ex.Message}");
    }

    [Fact]
    public void ReadFile_UnknownTopLevelProperty_ThrowsNamingFileAndProperty()
    {
        using var file = new TempFile("""{"version": 2, "models": {}}""");

        var ex = Assert.Throws<InvalidDataException>(() => PriceTableJson.ReadFile(file.Path));

        Assert.Contains(file.Path, ex.Message, StringComparison.Ordinal);
        Assert.Contains("version", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"input": 1, "contextWindow": 1000, "maxOutputTokens": 100}""")]
    [InlineData("""{"output": 1, "contextWindow": 1000, "maxOutputTokens": 100}""")]
    [InlineData("""{"input": 1, "output": 1, "maxOutputTokens": 100}""")]
    [InlineData("""{"input": 1, "output": 1, "contextWindow": 1000}""")]
    public void ReadFile_MissingRequiredField_ThrowsNamingFileAndModel(string entry)
    {
        using var file = new TempFile($$$"""{"models": {"my-model": {{{entry}}}}}""");

        var ex = Assert.Throws<InvalidDataException>(() => PriceTableJson.ReadFile(file.Path));

        Assert.Contains(file.Path, ex.Message, StringComparison.Ordinal);
        Assert.Contains("'my-model'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("\"output\"", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"input": -1, "output": 2, "contextWindow": 1000, "maxOutputTokens": 100}""", "negative price")]
    [InlineData("""{"input": 1, "output": -0.01, "contextWindow": 1000, "maxOutputTokens": 100}""", "negative price")]
    [InlineData("""{"input": 1, "cachedInput": -1, "output": 2, "contextWindow": 1000, "maxOutputTokens": 100}""", "negative price")]
    [InlineData("""{"input": 1, "output": 2, "contextWindow": 0, "maxOutputTokens": 0}""", "context window")]
    [InlineData("""{"input": 1, "output": 2, "contextWindow": 1000, "maxOutputTokens": 1001}""", "max output")]
    [InlineData("""{"input": 1, "output": 2, "contextWindow": 1000, "maxOutputTokens": -1}""", "max output")]
    [InlineData("""{"input": 1, "output": 2, "contextWindow": 1000, "maxOutputTokens": 100, "tierMultipliers": {"priority": 0}}""", "Priority tier multiplier")]
    [InlineData("""{"input": 1, "output": 2, "contextWindow": 1000, "maxOutputTokens": 100, "longContext": {"aboveInputTokens": 0, "input": 1, "output": 2}}""", "long-context")]
    [InlineData("""{"input": 1, "output": 2, "contextWindow": 1000, "maxOutputTokens": 100, "longContext": {"aboveInputTokens": 10, "input": -1, "output": 2}}""", "long-context")]
    public void ReadFile_InvalidValue_ThrowsNamingFileModelAndProblem(string entry, string problem)
    {
        using var file = new TempFile($$$"""{"models": {"my-model": {{{entry}}}}}""");

        var ex = Assert.Throws<InvalidDataException>(() => PriceTableJson.ReadFile(file.Path));

        Assert.Contains(file.Path, ex.Message, StringComparison.Ordinal);
        Assert.Contains("'my-model'", ex.Message, StringComparison.Ordinal);
        Assert.Contains(problem, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("scale")]
    [InlineData("default")]
    [InlineData("42")]
    [InlineData("1")]
    [InlineData("standard")]
    public void ReadFile_UnknownTierName_ThrowsNamingFileModelAndTier(string tier)
    {
        using var file = new TempFile("""{"models": {"my-model": {"input": 1, "output": 2, "contextWindow": 1000, "maxOutputTokens": 100, "tierMultipliers": {"TIER": 0.5}}}}""".Replace("TIER", tier, StringComparison.Ordinal));

        var ex = Assert.Throws<InvalidDataException>(() => PriceTableJson.ReadFile(file.Path));

        Assert.Contains(file.Path, ex.Message, StringComparison.Ordinal);
        Assert.Contains("'my-model'", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"unknown tier '{tier}'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadFile_UnknownEncoding_ThrowsNamingFileModelAndEncoding()
    {
        using var file = new TempFile("""{"models": {"my-model": {"input": 1, "output": 2, "contextWindow": 1000, "maxOutputTokens": 100, "encoding": "p50k_base"}}}""");

        var ex = Assert.Throws<InvalidDataException>(() => PriceTableJson.ReadFile(file.Path));

        Assert.Contains(file.Path, ex.Message, StringComparison.Ordinal);
        Assert.Contains("'my-model'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("unknown encoding 'p50k_base'", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"models": {"my-model": {"input": 1, "output": 2,""")]
    [InlineData("""{"models": {"my-model": {"input": "one", "output": 2, "contextWindow": 1000, "maxOutputTokens": 100}}}""")]
    [InlineData("""not json""")]
    [InlineData("")]
    [InlineData("""{"models": []}""")]
    [InlineData("""{"models": {}} {}""")]
    public void ReadFile_MalformedJson_ThrowsNamingTheFile(string text)
    {
        using var file = new TempFile(text);

        var ex = Assert.Throws<InvalidDataException>(() => PriceTableJson.ReadFile(file.Path));

        Assert.Contains($"Cannot read the prices file '{file.Path}'", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"date": "2027-01"}""")]
    [InlineData("""{"models": null}""")]
    [InlineData("null")]
    public void ReadFile_NoModels_ThrowsNamingTheFile(string text)
    {
        using var file = new TempFile(text);

        var ex = Assert.Throws<InvalidDataException>(() => PriceTableJson.ReadFile(file.Path));

        Assert.Contains(file.Path, ex.Message, StringComparison.Ordinal);
        Assert.Contains("\"models\"", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadFile_ImageTokens_ReadsTilesAndPatches()
    {
        using var file = new TempFile("""
            {"models": {
              "tiles-model": {"input": 1, "output": 2, "contextWindow": 1000, "maxOutputTokens": 100, "imageTokens": {"kind": "tiles", "baseTokens": 85, "tokensPerTile": 170}},
              "free-base": {"input": 1, "output": 2, "contextWindow": 1000, "maxOutputTokens": 100, "imageTokens": {"kind": "Tiles", "baseTokens": 0, "tokensPerTile": 1}},
              "patch-model": {"input": 1, "output": 2, "contextWindow": 1000, "maxOutputTokens": 100, "imageTokens": {"kind": "patches", "patchMultiplier": 1.62}},
              "big-patches": {"input": 1, "output": 2, "contextWindow": 1000, "maxOutputTokens": 100, "imageTokens": {"kind": "PATCHES", "patchMultiplier": 2.46, "maxPatches": 2048}},
              "text-only": {"input": 1, "output": 2, "contextWindow": 1000, "maxOutputTokens": 100}
            }}
            """);

        var models = PriceTableJson.ReadFile(file.Path).Models;

        var tiles = models["tiles-model"].ImageTokens;
        Assert.NotNull(tiles);
        Assert.Equal((ImageTokenKind.Tiles, 85, 170), (tiles.Kind, tiles.BaseTokens, tiles.TokensPerTile));
        var freeBase = models["free-base"].ImageTokens;
        Assert.NotNull(freeBase);
        Assert.Equal((ImageTokenKind.Tiles, 0, 1), (freeBase.Kind, freeBase.BaseTokens, freeBase.TokensPerTile));
        var patches = models["patch-model"].ImageTokens;
        Assert.NotNull(patches);
        Assert.Equal((ImageTokenKind.Patches, 1.62m, 1536), (patches.Kind, patches.PatchMultiplier, patches.MaxPatches));
        var bigPatches = models["big-patches"].ImageTokens;
        Assert.NotNull(bigPatches);
        Assert.Equal((ImageTokenKind.Patches, 2.46m, 2048), (bigPatches.Kind, bigPatches.PatchMultiplier, bigPatches.MaxPatches));
        Assert.Null(models["text-only"].ImageTokens);
    }

    [Theory]
    [InlineData("""{"kind": "tiles", "baseTokens": 85}""", "a tiles rule needs")]
    [InlineData("""{"kind": "tiles", "tokensPerTile": 170}""", "a tiles rule needs")]
    [InlineData("""{"kind": "tiles", "baseTokens": 85, "tokensPerTile": 170, "patchMultiplier": 1.62}""", "a tiles rule needs")]
    [InlineData("""{"kind": "tiles", "baseTokens": 85, "tokensPerTile": 170, "maxPatches": 1536}""", "a tiles rule needs")]
    [InlineData("""{"kind": "patches"}""", "a patches rule needs")]
    [InlineData("""{"kind": "patches", "maxPatches": 1536}""", "a patches rule needs")]
    [InlineData("""{"kind": "patches", "patchMultiplier": 1.62, "baseTokens": 85}""", "a patches rule needs")]
    [InlineData("""{"kind": "patches", "patchMultiplier": 1.62, "tokensPerTile": 170}""", "a patches rule needs")]
    [InlineData("""{"baseTokens": 85, "tokensPerTile": 170}""", "needs a \"kind\" (tiles or patches)")]
    [InlineData("""{"kind": "squares", "baseTokens": 85, "tokensPerTile": 170}""", "unknown kind 'squares' (use tiles or patches)")]
    [InlineData("""{"kind": "", "patchMultiplier": 1}""", "unknown kind ''")]
    [InlineData("""{"kind": "tiles", "baseTokens": -1, "tokensPerTile": 170}""", "invalid image tile rule")]
    [InlineData("""{"kind": "tiles", "baseTokens": 85, "tokensPerTile": 0}""", "invalid image tile rule")]
    [InlineData("""{"kind": "tiles", "baseTokens": 85, "tokensPerTile": -170}""", "invalid image tile rule")]
    [InlineData("""{"kind": "patches", "patchMultiplier": 0}""", "invalid image patch rule")]
    [InlineData("""{"kind": "patches", "patchMultiplier": -1.62}""", "invalid image patch rule")]
    [InlineData("""{"kind": "patches", "patchMultiplier": 1.62, "maxPatches": 0}""", "invalid image patch rule")]
    [InlineData("""{"kind": "patches", "patchMultiplier": 1.62, "maxPatches": -1}""", "invalid image patch rule")]
    public void ReadFile_InvalidImageTokens_ThrowsNamingFileModelAndProblem(string rule, string problem)
    {
        using var file = new TempFile(WithImageTokens("my-model", rule));

        var ex = Assert.Throws<InvalidDataException>(() => PriceTableJson.ReadFile(file.Path));

        Assert.Contains(file.Path, ex.Message, StringComparison.Ordinal);
        Assert.Contains("'my-model'", ex.Message, StringComparison.Ordinal);
        Assert.Contains(problem, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("my-model")]
    [InlineData("gpt-4.1")]
    public void ReadFile_UnknownImageTokensProperty_ThrowsNamingModelAndProperty(string model)
    {
        using var file = new TempFile(WithImageTokens(model, """{"kind": "tiles", "baseTokens": 85, "perTile": 170}"""));

        var ex = Assert.Throws<InvalidDataException>(() => PriceTableJson.ReadFile(file.Path));

        Assert.Contains(file.Path, ex.Message, StringComparison.Ordinal);
        Assert.True(ex.Message.Contains($"model '{model}'", StringComparison.Ordinal), $"The message does not name the model: {ex.Message}");
        Assert.Contains("perTile", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"kind": 1, "baseTokens": 85, "tokensPerTile": 170}""")]
    [InlineData("""{"kind": "tiles", "baseTokens": 85.5, "tokensPerTile": 170}""")]
    [InlineData("""{"kind": "patches", "patchMultiplier": "1.62"}""")]
    [InlineData("""[]""")]
    [InlineData(""""tiles"""")]
    public void ReadFile_MistypedImageTokens_ThrowsNamingFileAndModel(string rule)
    {
        using var file = new TempFile(WithImageTokens("my-model", rule));

        var ex = Assert.Throws<InvalidDataException>(() => PriceTableJson.ReadFile(file.Path));

        Assert.Contains(file.Path, ex.Message, StringComparison.Ordinal);
        Assert.True(ex.Message.Contains("model 'my-model'", StringComparison.Ordinal), $"The message does not name the model: {ex.Message}");
    }

    [Fact]
    public void ReadFile_UnknownPropertyOfDottedModel_NamesTheModel()
    {
        using var file = new TempFile("""{"models": {"gpt-4.1": {"input": 1, "output": 2, "contextWindow": 1000, "maxOutputTokens": 100, "cachedInputs": 0.5}}}""");

        var ex = Assert.Throws<InvalidDataException>(() => PriceTableJson.ReadFile(file.Path));

        Assert.True(ex.Message.Contains("model 'gpt-4.1'", StringComparison.Ordinal), $"The message does not name the model: {ex.Message}");
        Assert.Contains("cachedInputs", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadFile_MissingFile_ThrowsNamingTheFile()
    {
        string path = Path.Combine(Path.GetTempPath(), $"agentguard-missing-{Guid.NewGuid():N}.json");

        var ex = Assert.Throws<InvalidDataException>(() => PriceTableJson.ReadFile(path));

        Assert.Contains($"'{path}' does not exist", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_Stream_NamesTheOriginInErrors()
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes("""{"models": {"m": {"input": 1}}}"""));

        var ex = Assert.Throws<InvalidDataException>(() => PriceTableJson.Read(stream, "the test table"));

        Assert.StartsWith("Cannot read the test table: model 'm'", ex.Message, StringComparison.Ordinal);
    }

    /// <summary>Issue 20: a mistyped price said "could not be converted to System.Nullable`1[System.Decimal]".</summary>
    [Theory]
    [InlineData("\"input\": \"0.15\"", "property 'input': expected a number, not a string")]
    [InlineData("\"cachedInput\": true", "property 'cachedInput': expected a number, not true or false")]
    [InlineData("\"contextWindow\": 128000.5", "property 'contextWindow': expected a whole number of tokens, not 128000.5")]
    [InlineData("\"maxOutputTokens\": \"16k\"", "property 'maxOutputTokens': expected a whole number, not a string")]
    [InlineData("\"tierMultipliers\": {\"batch\": \"half\"}", "property 'tierMultipliers.batch': expected a number, not a string")]
    [InlineData("\"longContext\": {\"aboveInputTokens\": 1000, \"input\": [5], \"output\": 20}", "property 'longContext.input': expected a number, not a list")]
    public void ReadFile_TypeError_SaysANumberAndNamesTheField_NotSystemNullable(string member, string expected)
    {
        var entry = new Dictionary<string, string>
        {
            ["input"] = "\"input\": 1", ["cachedInput"] = "", ["contextWindow"] = "\"contextWindow\": 128000",
            ["maxOutputTokens"] = "\"maxOutputTokens\": 16384", ["output"] = "\"output\": 2",
        };
        string name = member[1..member.IndexOf('"', 1)];
        entry[name] = member;
        using var file = new TempFile("""{"models": {"gpt-4.1": { """ + string.Join(", ", entry.Values.Where(v => v.Length > 0)) + " }}}");

        var ex = Assert.Throws<InvalidDataException>(() => PriceTableJson.ReadFile(file.Path));

        Assert.Equal($"Cannot read the prices file '{file.Path}': model 'gpt-4.1', {expected}.", ex.Message);
        Assert.DoesNotContain("System.", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadFile_SyntaxErrorInAModel_NamesTheModelAndProperty()
    {
        using var file = new TempFile("""{"models": {"gpt-4o": {"input": 1, "output": 2, "contextWindow": 1000, "maxOutputTokens": 100}, "gpt-4.1": {"input": 1, "output": tw0}}}""");

        var ex = Assert.Throws<InvalidDataException>(() => PriceTableJson.ReadFile(file.Path));

        Assert.StartsWith($"Cannot read the prices file '{file.Path}': model 'gpt-4.1', property 'output':", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_ThenRead_KeepsEveryFieldOfTheGeneratedFormat()
    {
        using var buffer = new MemoryStream();
        var models = PriceTable.Embedded.Models.Where(m => m.Key is "claude-sonnet-4-5" or "gpt-5.4" or "gpt-audio" or "gpt-4o-mini" or "babbage-002").ToList();

        PriceTableJson.Write(buffer, "2026-12-07", "a test", models);
        buffer.Position = 0;
        var read = PriceTableJson.Read(buffer, "the written table");

        Assert.Equal("2026-12-07", read.Date);
        Assert.Equal("a test", read.Source);
        Assert.Equal(models.Select(m => m.Key), read.Models.Keys);
        foreach (var (name, price) in models)
        {
            var again = read.Models[name];
            Assert.Equal(Figures(price), Figures(again));
            Assert.Equal(price.Providers, again.Providers);
            Assert.Equal(price.Match?.ExactNames() ?? [], again.Match?.ExactNames() ?? []);
            Assert.Equal(price.SourceNote, again.SourceNote);
        }

        var sonnet = read.Models["claude-sonnet-4-5"];
        Assert.Equal((3.75m, 6m), (sonnet.CacheWriteUsdPerMillionTokens, sonnet.CacheWrite1hUsdPerMillionTokens));
        Assert.Equal((7.5m, 12m), (sonnet.LongContext!.CacheWriteUsdPerMillionTokens, sonnet.LongContext.CacheWrite1hUsdPerMillionTokens));
    }

    [Theory]
    [InlineData("\"providers\": [\"acme\"]", "unknown provider 'acme'")]
    [InlineData("\"providers\": \"openai\"", "expected a list of provider names")]
    [InlineData("\"match\": {\"prefix\": \"x\"}", "unknown clause 'prefix'")]
    [InlineData("\"cacheWrite\": -1", "negative price")]
    public void ReadFile_InvalidGeneratedField_NamesTheModelAndProblem(string member, string problem)
    {
        using var file = new TempFile("""{"models": {"my-model": {"input": 1, "output": 2, "contextWindow": 1000, "maxOutputTokens": 100, """ + member + "}}}");

        var ex = Assert.Throws<InvalidDataException>(() => PriceTableJson.ReadFile(file.Path));

        Assert.Contains("'my-model'", ex.Message, StringComparison.Ordinal);
        Assert.Contains(problem, ex.Message, StringComparison.Ordinal);
    }

    private static string Figures(ModelPrice p) => string.Join("|",
        p.InputUsdPerMillionTokens, p.CachedInputUsdPerMillionTokens, p.OutputUsdPerMillionTokens, p.CacheWriteUsdPerMillionTokens, p.CacheWrite1hUsdPerMillionTokens,
        p.AudioInputUsdPerMillionTokens, p.AudioOutputUsdPerMillionTokens, p.ContextWindowTokens, p.MaxOutputTokens, p.MaxInputTokens, p.Encoding,
        string.Join(",", p.TierMultipliers.OrderBy(t => t.Key).Select(t => $"{t.Key}={t.Value}")),
        p.LongContext is { } lc ? $"{lc.AboveInputTokens}/{lc.InputUsdPerMillionTokens}/{lc.CachedInputUsdPerMillionTokens}/{lc.OutputUsdPerMillionTokens}" : "",
        p.ImageTokens is { } r ? $"{r.Kind}/{r.BaseTokens}/{r.TokensPerTile}/{r.PatchMultiplier}/{r.MaxPatches}" : "");

    /// <summary>A price file of one model with the given <c>imageTokens</c> JSON.</summary>
    private static string WithImageTokens(string model, string rule) =>
        $$"""{"models": {"{{model}}": {"input": 1, "output": 2, "contextWindow": 1000, "maxOutputTokens": 100, "imageTokens": """ + rule + "}}}";
}
