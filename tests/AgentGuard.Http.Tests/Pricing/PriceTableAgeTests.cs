using AgentGuard.Http.Pricing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace AgentGuard.Http.Tests.Pricing;

/// <summary>The age of the price table, and the warning a guard logs when it is older than 90 days.</summary>
public sealed class PriceTableAgeTests
{
    private static readonly DateOnly s_embeddedDay = PriceTable.Embedded.BaseOrigin.Day!.Value;

    [Fact]
    public void HandlerCreated_TableOlderThan90Days_LogsOneWarningNamingItsDate()
    {
        var (options, logs, time) = Setup(s_embeddedDay.AddDays(PriceTableAge.StaleAfterDays + 1));
        var session = BudgetedSession.Create(options, timeProvider: time, loggerFactory: Factory(logs));

        // Handlers are recycled: the first one logs it, the next ones of the same client do not.
        var policy = GuardPolicy.From(options);
        using var first = new BudgetGuardHandler(session, policy);
        using var second = new BudgetGuardHandler(session, policy);

        var warning = Assert.Single(logs.GetSnapshot(), r => r.Id.Name == "PriceTableStale");
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains($"{PriceTableAge.StaleAfterDays + 1} days old", warning.Message, StringComparison.Ordinal);
        Assert.Contains($"the embedded price table is dated {PriceTable.Embedded.Date}", warning.Message, StringComparison.Ordinal);
        Assert.Contains("agentguard prices import", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HandlerCreated_Table90DaysOld_LogsNothing()
    {
        var (options, logs, time) = Setup(s_embeddedDay.AddDays(PriceTableAge.StaleAfterDays));
        var session = BudgetedSession.Create(options, timeProvider: time, loggerFactory: Factory(logs));

        using var handler = new BudgetGuardHandler(session, GuardPolicy.From(options));

        Assert.DoesNotContain(logs.GetSnapshot(), r => r.Id.Name == "PriceTableStale");
    }

    [Fact]
    public void Oldest_FileReplacingEveryModel_IsTheFilesAge()
    {
        var file = new PriceTable("2027-02-01", "a refresh", PriceTable.Embedded.Models.ToDictionary(m => m.Key, m => m.Value, StringComparer.Ordinal));
        var table = PriceTable.Embedded.With(file, "the prices file 'fresh.json'");

        var oldest = PriceTableAge.Oldest(table, new DateOnly(2027, 3, 1));

        Assert.NotNull(oldest);
        Assert.Equal("the prices file 'fresh.json'", oldest.Value.Origin.Name);
        Assert.Equal(28, oldest.Value.Days);
        Assert.Equal(table.Models.Count, oldest.Value.Models);
    }

    [Fact]
    public void Oldest_FileOfSomeModels_IsTheEmbeddedTablesAgeWhileItPricesTheRest()
    {
        var file = new PriceTable("2027-02-01", "my models", new(StringComparer.Ordinal) { ["gpt-4o"] = PriceTable.Embedded.Models["gpt-4o"] });
        var table = PriceTable.Embedded.With(file, "the prices file 'mine.json'").With([new("in-code", PriceTable.Embedded.Models["gpt-4o"])], "prices set in code");

        var oldest = PriceTableAge.Oldest(table, new DateOnly(2027, 3, 1));

        Assert.NotNull(oldest);
        Assert.Same(PriceTable.Embedded.BaseOrigin, oldest.Value.Origin);
        Assert.Equal(PriceTable.Embedded.Models.Count - 1, oldest.Value.Models);
    }

    [Theory]
    [InlineData("2026-11", 2026, 11, 1)]
    [InlineData("2026-12-07", 2026, 12, 7)]
    public void Day_MonthOrDate_IsTheFirstDayItCanMean(string date, int year, int month, int day)
    {
        Assert.Equal(new DateOnly(year, month, day), new PriceOrigin("t", date, "s").Day);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("unknown")]
    [InlineData("December 2026")]
    public void Day_NoDate_IsUnknownAndNeverStale(string? date)
    {
        var table = new PriceTable(new PriceOrigin("t", date, "s"), new(StringComparer.Ordinal) { ["m"] = PriceTable.Embedded.Models["gpt-4o"] });

        Assert.Null(PriceTableAge.Oldest(table, new DateOnly(2099, 1, 1)));
    }

    /// <summary>Options whose table is a new instance (a price set in code), so that its once-per-table warning is this test's.</summary>
    private static (AgentGuardOptions Options, FakeLogCollector Logs, FakeTimeProvider Time) Setup(DateOnly today)
    {
        var options = new AgentGuardOptions { BudgetUsd = 1m };
        options.Prices["age-test-model"] = PriceTable.Embedded.Models["gpt-4o-mini"];
        var time = new FakeTimeProvider(new DateTimeOffset(today.ToDateTime(new TimeOnly(12, 0)), TimeSpan.Zero));
        return (options, new FakeLogCollector(), time);
    }

    private static ILoggerFactory Factory(FakeLogCollector logs) =>
        LoggerFactory.Create(b => b.AddProvider(new FakeLoggerProvider(logs)));
}
