using System.CommandLine;
using System.Globalization;
using AgentGuard.Cli.Output;
using AgentGuard.Cli.Pricing.Import;
using AgentGuard.Http.Pricing;

namespace AgentGuard.Cli.Commands;

/// <summary>
/// <c>agentguard prices import FILE</c>: a prices file built from pydantic genai-prices' data (its npm package, its folder,
/// its bundle or its data.json) with the built-in overrides, or a prices file of this library's format, checked.
/// </summary>
internal static class PricesImportCommand
{
    public static Command Create()
    {
        var json = CommonOptions.Json();
        var file = new Argument<string>("FILE")
        {
            Description = "genai-prices data: the npm package (npm pack @pydantic/genai-prices), its folder, its dist/index.js, or its data.json; or a prices file of AgentGuard's format.",
        };
        var output = new Option<string?>("--output", "-o")
        {
            Description = "Where to write the prices file (AgentGuardOptions.PricesFile reads it). Default: standard output.",
            HelpName = "FILE",
        };
        var date = new Option<string?>("--date")
        {
            Description = "The date the table is built for (YYYY-MM-DD): conditional prices in force on or after it, and the table's date. Default: today (UTC).",
            HelpName = "DATE",
        };
        var provider = new Option<string[]>("--provider")
        {
            Description = $"Import only these providers ({PriceProviders.Names}; repeatable). Default: all of them.",
            HelpName = "PROVIDER",
            AllowMultipleArgumentsPerToken = true,
        };
        var command = new Command("import", "Builds a prices file from pydantic genai-prices' data (with the overrides the built-in table is built with), to refresh prices without a release.")
        {
            file, output, date, provider, json,
        };
        command.SetAction(parse =>
        {
            var day = parse.GetValue(date) is { } text ? ParseDate(text) : DateOnly.FromDateTime(DateTime.UtcNow);
            var providers = Providers(parse.GetValue(provider));
            string? target = parse.GetValue(output);
            ImportResult result;
            using (var buffer = new MemoryStream())
            {
                result = PriceImport.Run(parse.GetValue(file)!, day, providers, buffer);
                if (target is null)
                {
                    using var stdout = Console.OpenStandardOutput();
                    buffer.WriteTo(stdout);
                }
                else
                {
                    // Written whole or not at all: a half-written prices file would fail every guard that reads it.
                    string temporary = target + ".tmp";
                    File.WriteAllBytes(temporary, buffer.ToArray());
                    File.Move(temporary, target, overwrite: true);
                }
            }

            // The summary goes where it does not mix with the table.
            var summary = target is null ? Console.Error : Console.Out;
            if (parse.GetValue(json) && target is not null)
            {
                CliJson.Write(new
                {
                    result.Read,
                    result.Date,
                    Output = target,
                    Models = result.ModelsByProvider,
                    LeftOut = result.LeftOut.Select(l => new { l.Model, l.Providers, l.Why }),
                    result.UnusedFacts,
                });
                return ExitCodes.Ok;
            }

            int total = result.ModelsByProvider.Values.Sum();
            summary.WriteLine($"Read {result.Read}; wrote {(target is null ? "the prices" : $"'{target}'")} dated {result.Date ?? "unknown"}: " +
                string.Join(", ", result.ModelsByProvider.Where(p => p.Value > 0).Select(p => $"{p.Value} {p.Key}")) + $" ({total} by provider).");
            if (result.LeftOut.Count > 0)
            {
                summary.WriteLine($"Left out {result.LeftOut.Count} models the table cannot bound (never guessed): " +
                    string.Join("; ", result.LeftOut.Select(l => $"{l.Model} ({l.Why})")) + ".");
            }

            if (result.UnusedFacts.Count > 0)
            {
                summary.WriteLine($"Overrides for models this source does not list: {string.Join(", ", result.UnusedFacts)}.");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    public static DateOnly ParseDate(string text) =>
        DateOnly.TryParseExact(text.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)
            ? day
            : throw new CliException($"--date must be a date such as 2026-12-07, but it is '{text}'.");

    /// <summary>The providers named (every one when none is), each by the table's name for it.</summary>
    public static IReadOnlyCollection<string> Providers(string[]? names) =>
        names is not { Length: > 0 }
            ? PriceProviders.All
            : [.. names.SelectMany(n => n.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                .Select(n => PriceProviders.Find(n) ?? throw new CliException($"Unknown provider '{n}' (use {PriceProviders.Names}).")).Distinct()];
}
