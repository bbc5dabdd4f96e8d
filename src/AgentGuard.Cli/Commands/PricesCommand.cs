using System.CommandLine;
using System.Globalization;
using AgentGuard.Cli.Output;
using AgentGuard.Cli.Pricing;
using AgentGuard.Http;
using AgentGuard.Http.Pricing;
using Spectre.Console;

namespace AgentGuard.Cli.Commands;

/// <summary>
/// <c>agentguard prices</c>: the price table the guard would use, each model with the date and source of its price;
/// <c>--check</c> says how old it is; <c>import</c> builds a fresh one.
/// </summary>
internal static class PricesCommand
{
    public static Command Create()
    {
        var json = CommonOptions.Json();
        var pricesFile = CommonOptions.PricesFile();
        var provider = new Option<string?>("--provider")
        {
            Description = $"Only the models a provider bills ({PriceProviders.Names}).",
            HelpName = "PROVIDER",
        };
        var check = new Option<bool>("--check")
        {
            Description = $"Say how old the table is instead of listing it: exit 1 when it is older than {PriceTableAge.StaleAfterDays} days.",
        };
        var asOf = new Option<string?>("--as-of")
        {
            Description = "With --check: judge the age on this date (YYYY-MM-DD) instead of today (UTC).",
            HelpName = "DATE",
        };
        var command = new Command("prices", "The effective price table (USD per 1M tokens), each model with the date and source of its price; --prices-file applies a file as the guard does.")
        {
            pricesFile, provider, check, asOf, json, PricesImportCommand.Create(),
        };
        command.SetAction(parse =>
        {
            var table = EffectivePrices.Load(parse.GetValue(pricesFile));
            if (parse.GetValue(check))
            {
                var today = parse.GetValue(asOf) is { } day ? PricesImportCommand.ParseDate(day) : DateOnly.FromDateTime(DateTime.UtcNow);
                return Check(table, today, parse.GetValue(json));
            }

            string? only = parse.GetValue(provider) is { } name
                ? PriceProviders.Find(name) ?? throw new CliException($"Unknown provider '{name}' (use {PriceProviders.Names}).")
                : null;
            var models = table.Models.Where(m => only is null || PriceProviders.Serves(m.Value, only)).ToList();
            if (parse.GetValue(json))
            {
                WriteJson(table, models);
            }
            else
            {
                WriteTable(table, models, only);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static int Check(PriceTable table, DateOnly today, bool json)
    {
        var oldest = PriceTableAge.Oldest(table, today);
        bool stale = oldest is { Days: > PriceTableAge.StaleAfterDays };
        if (json)
        {
            CliJson.Write(new
            {
                Today = today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                AgeDays = oldest?.Days,
                Oldest = oldest is { } o ? new { o.Origin.Name, o.Origin.Date, o.Origin.Source, o.Models } : null,
                StaleAfterDays = PriceTableAge.StaleAfterDays,
                Stale = stale,
            });
        }
        else if (oldest is not { } found)
        {
            Console.Out.WriteLine("The price table has no date: its age is unknown.");
        }
        else
        {
            Console.Out.WriteLine(
                $"The price table is {found.Days} days old: {found.Origin.Name} is dated {found.Origin.Date} and prices {found.Models} of its {table.Models.Count} models. " +
                (stale
                    ? $"That is more than {PriceTableAge.StaleAfterDays} days: refresh it with 'agentguard prices import' (docs/prices.md)."
                    : $"Fresh (a warning is logged after {PriceTableAge.StaleAfterDays} days)."));
        }

        return stale ? ExitCodes.Refused : ExitCodes.Ok;
    }

    private static void WriteJson(PriceTable table, List<KeyValuePair<string, ModelPrice>> models) =>
        CliJson.Write(new
        {
            table.Date,
            table.Source,
            Origins = Origins(table).Select(o => new { o.Origin.Name, o.Origin.Date, o.Origin.Source, o.Models }),
            Models = models.Select(m =>
            {
                var origin = table.OriginOf(m.Key);
                return new
                {
                    Name = m.Key,
                    m.Value.Providers,
                    Input = m.Value.InputUsdPerMillionTokens,
                    CachedInput = m.Value.CachedInputUsdPerMillionTokens,
                    CacheWrite = m.Value.CacheWriteUsdPerMillionTokens,
                    CacheWrite1h = m.Value.CacheWrite1hUsdPerMillionTokens,
                    Output = m.Value.OutputUsdPerMillionTokens,
                    ContextWindow = m.Value.ContextWindowTokens,
                    m.Value.MaxOutputTokens,
                    m.Value.MaxInputTokens,
                    m.Value.Encoding,
                    TierMultipliers = m.Value.TierMultipliers.ToDictionary(t => t.Key.ToString().ToLowerInvariant(), t => t.Value),
                    m.Value.LongContext,
                    AudioInput = m.Value.AudioInputUsdPerMillionTokens,
                    AudioOutput = m.Value.AudioOutputUsdPerMillionTokens,
                    ImageTokens = m.Value.ImageTokens is { } rule ? ImageRule(rule) : null,
                    Matches = m.Value.Match is { } match ? match.ExactNames().Take(20).ToArray() : [],
                    Date = origin.Date,
                    From = origin.Name,
                    Source = m.Value.SourceNote ?? origin.Source,
                };
            }),
        });

    private static void WriteTable(PriceTable table, List<KeyValuePair<string, ModelPrice>> models, string? provider)
    {
        var origins = Origins(table);
        var view = new Table()
            .Border(TableBorder.Rounded)
            .Title($"[bold]{(provider is null ? "Prices" : $"Prices of {Markup.Escape(provider)}")}[/] (USD per 1M tokens), {models.Count} models")
            .Caption("[grey]" + Markup.Escape(string.Join("\n", origins.Select(Describe))) + "[/]")
            .AddColumn(new TableColumn("Model").NoWrap())
            .AddColumn("Providers")
            .AddColumn(new TableColumn("Input").RightAligned())
            .AddColumn(new TableColumn("Cached").RightAligned())
            .AddColumn(new TableColumn("Cache write").RightAligned())
            .AddColumn(new TableColumn("Output").RightAligned())
            .AddColumn(new TableColumn("Context").RightAligned())
            .AddColumn(new TableColumn("Max out").RightAligned())
            .AddColumn("Encoding")
            .AddColumn("Other tiers")
            .AddColumn("Images")
            .AddColumn("Date");
        if (origins.Count > 1)
        {
            view.AddColumn("From");
        }

        foreach (var (name, price) in models)
        {
            string longContext = price.LongContext is { } lc
                ? $" (>{Count(lc.AboveInputTokens)} in: {Rate(lc.InputUsdPerMillionTokens)} / {Rate(lc.OutputUsdPerMillionTokens)})"
                : "";
            string write = price.CacheWriteUsdPerMillionTokens is { } w
                ? Rate(w) + (price.CacheWrite1hUsdPerMillionTokens is { } h ? $" (1h {Rate(h)})" : "")
                : "–";
            var origin = table.OriginOf(name);
            var cells = new List<string>
            {
                Markup.Escape(name),
                Markup.Escape(string.Join(",", price.Providers)),
                Rate(price.InputUsdPerMillionTokens),
                price.CachedInputUsdPerMillionTokens is { } cached ? Rate(cached) : "–",
                write,
                Rate(price.OutputUsdPerMillionTokens) + Markup.Escape(longContext),
                Count(price.ContextWindowTokens),
                Count(price.MaxOutputTokens),
                Markup.Escape(price.Encoding ?? "bytes only"),
                string.Join(", ", price.TierMultipliers.OrderBy(t => t.Key).Select(t => $"{t.Key.ToString().ToLowerInvariant()} ×{Rate(t.Value)}")),
                price.ImageTokens is { } rule ? Markup.Escape(ImageRule(rule)) : "refused",
                Markup.Escape(origin.Date ?? "unknown"),
            };
            if (origins.Count > 1)
            {
                cells.Add(Markup.Escape(origin.Name));
            }

            view.AddRow([.. cells]);
        }

        AnsiConsole.Write(view);
    }

    private static string Describe((PriceOrigin Origin, int Models) layer) =>
        $"{layer.Origin.Name}: dated {layer.Origin.Date ?? "unknown"}, {layer.Models} models. {layer.Origin.Source}";

    /// <summary>The layers of the table that price at least one model, in the order they apply, with how many they price.</summary>
    private static List<(PriceOrigin Origin, int Models)> Origins(PriceTable table) =>
        [.. new[] { table.BaseOrigin }.Concat(table.Overlays)
            .Select(o => (Origin: o, Models: table.Models.Keys.Count(k => ReferenceEquals(table.OriginOf(k), o))))
            .Where(o => o.Models > 0)];

    /// <summary>An image rule as the README's Images table writes it: <c>tiles 85 + 170</c>, <c>patches ×1.62</c>.</summary>
    private static string ImageRule(ImageTokenRule rule) => rule.Kind == ImageTokenKind.Tiles
        ? $"tiles {rule.BaseTokens} + {rule.TokensPerTile}"
        : $"patches ×{Rate(rule.PatchMultiplier)}";

    private static string Rate(decimal value) => value.ToString("0.#####", CultureInfo.InvariantCulture);

    private static string Count(int value) => value.ToString("#,0", CultureInfo.InvariantCulture);
}
