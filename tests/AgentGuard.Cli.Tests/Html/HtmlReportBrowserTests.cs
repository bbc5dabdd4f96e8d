using AgentGuard.Cli.Tests.Infrastructure;
using AgentGuard.Http.Sqlite;
using AgentGuard.Http.Tests.Shared;
using Microsoft.Playwright;

namespace AgentGuard.Cli.Tests.Html;

/// <summary>
/// <c>report --html</c> rendered by headless Chromium (Debian's package, driven by Playwright; no browser download):
/// what the page shows, not what its source says.
/// </summary>
public sealed class HtmlReportBrowserTests
{
    private const string Chromium = "/usr/bin/chromium";

    [Fact]
    public async Task HtmlReport_RendersOneBarPerModel_AndEndsTheCumulativeLineAtTheTotal_WithoutErrors()
    {
        SkipUnlessChromium();
        using var directory = new TempDirectory("html");
        string database = directory.File("budget.db");
        Billed billed;
        using (var ledger = new SqliteBudgetLedger(database))
        {
            billed = await GuardedCalls.RunAsync(ledger, "agents", budgetUsd: 1m,
            [
                new("gpt-4o-mini", "acme"), new("gpt-4.1-nano", "acme"), new("gpt-5-mini", "globex"),
                new("gpt-4o-mini", "globex"), new("gpt-4o-mini"),
            ], tenantLimitUsd: 0.5m);
        }

        string page = directory.File("report.html");
        var result = await AgentGuardCli.RunAsync("report", "--ledger", "sqlite:" + database, "--html", page);
        Assert.True(result.ExitCode == 0, result.ToString());

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync"],
        });
        var tab = await browser.NewPageAsync();
        var errors = new List<string>();
        var requests = new List<string>();
        tab.Console += (_, message) =>
        {
            if (message.Type is "error" or "warning")
            {
                errors.Add(message.Text);
            }
        };
        tab.PageError += (_, error) => errors.Add(error);
        tab.Request += (_, request) => requests.Add(request.Url);
        await tab.GotoAsync(new Uri(page).AbsoluteUri, new PageGotoOptions { WaitUntil = WaitUntilState.Load });

        var bars = await tab.Locator("#by-model rect.bar").AllAsync();
        var drawn = new Dictionary<string, long>();
        foreach (var bar in bars)
        {
            var box = await bar.BoundingBoxAsync();
            Assert.True(box is { Width: > 0, Height: > 0 }, "A model's bar is not drawn.");
            drawn.Add((await bar.GetAttributeAsync("data-key"))!, long.Parse((await bar.GetAttributeAsync("data-micros"))!, System.Globalization.CultureInfo.InvariantCulture));
        }

        Assert.Equal(billed.MicrosByModel, drawn);
        var last = tab.Locator("#cumulative circle.point.last");
        Assert.Equal(1, await last.CountAsync());
        Assert.True(await last.IsVisibleAsync());
        Assert.Equal(billed.TotalMicros.ToString(System.Globalization.CultureInfo.InvariantCulture), await last.GetAttributeAsync("data-micros"));
        Assert.Equal(billed.TotalMicros.ToString(System.Globalization.CultureInfo.InvariantCulture), await tab.Locator("#total").GetAttributeAsync("data-micros"));
        Assert.Equal("1", await tab.Locator("#cumulative line.limit").GetAttributeAsync("data-usd"));
        Assert.Equal(3, await tab.Locator("#by-scope rect.bar").CountAsync());
        Assert.Empty(errors);
        Assert.Equal([new Uri(page).AbsoluteUri], requests);
    }

    private static void SkipUnlessChromium()
    {
        if (File.Exists(Chromium))
        {
            return;
        }

        TestSkip.Because("Chromium is not installed (apt-get install chromium)");
    }
}
