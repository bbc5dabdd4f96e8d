using System.CommandLine;
using System.Globalization;
using AgentGuard.Cli.Output;
using AgentGuard.Cli.Pricing;
using AgentGuard.Http;
using AgentGuard.Http.Pricing;
using Spectre.Console;

namespace AgentGuard.Cli.Commands;

/// <summary><c>agentguard prices</c>: the price table the guard would use, with its date and any overrides.</summary>
internal static class PricesCommand
{
    public static Command Create()
    {
        var json = CommonOptions.Json();
        var pricesFile = CommonOptions.PricesFile();
        var command = new Command("prices", "The effective price table (USD per 1M tokens), with its date; --prices-file applies overrides as the guard does.")
        {
            pricesFile, json,
        };
        command.SetAction(parse =>
        {
            string? path = parse.GetValue(pricesFile);
            var table = EffectivePrices.Load(path);

            // The table's own date is the embedded table's: a file's models carry the file's date, said beside it.
            var file = path is null ? null : PriceTableJson.ReadFile(Path.GetFullPath(path));
            if (parse.GetValue(json))
            {
                CliJson.Write(new
                {
                    table.Date,
                    table.Source,
                    PricesFile = file is null ? null : new { Path = Path.GetFullPath(path!), file.Date, file.Source },
                    Models = table.Models.Select(m => new
                    {
                        Name = m.Key,
                        Input = m.Value.InputUsdPerMillionTokens,
                        CachedInput = m.Value.CachedInputUsdPerMillionTokens,
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
                    }),
                });
                return ExitCodes.Ok;
            }

            var view = new Table()
                .Border(TableBorder.Rounded)
                .Title($"[bold]Prices dated {Markup.Escape(table.Date)}[/] (USD per 1M tokens)"
                    + (file is null ? "" : $", [bold]{file.Models.Count} from {Markup.Escape(path!)} dated {Markup.Escape(file.Date)}[/]"))
                .Caption($"[grey]{Markup.Escape(table.Source)}" + (file is null ? "" : $"; {Markup.Escape(path!)}: {Markup.Escape(file.Source)}") + "[/]")
                .AddColumn("Model")
                .AddColumn(new TableColumn("Input").RightAligned())
                .AddColumn(new TableColumn("Cached").RightAligned())
                .AddColumn(new TableColumn("Output").RightAligned())
                .AddColumn(new TableColumn("Context").RightAligned())
                .AddColumn(new TableColumn("Max out").RightAligned())
                .AddColumn("Encoding")
                .AddColumn("Other tiers")
                .AddColumn("Images");
            foreach (var (name, price) in table.Models)
            {
                string longContext = price.LongContext is { } lc
                    ? $" (>{Count(lc.AboveInputTokens)} in: {Rate(lc.InputUsdPerMillionTokens)} / {Rate(lc.OutputUsdPerMillionTokens)})"
                    : "";
                view.AddRow(
                    Markup.Escape(name),
                    Rate(price.InputUsdPerMillionTokens),
                    price.CachedInputUsdPerMillionTokens is { } cached ? Rate(cached) : "–",
                    Rate(price.OutputUsdPerMillionTokens) + Markup.Escape(longContext),
                    Count(price.ContextWindowTokens),
                    Count(price.MaxOutputTokens),
                    Markup.Escape(price.Encoding ?? "bytes only"),
                    string.Join(", ", price.TierMultipliers.OrderBy(t => t.Key).Select(t => $"{t.Key.ToString().ToLowerInvariant()} ×{Rate(t.Value)}")),
                    price.ImageTokens is { } rule ? Markup.Escape(ImageRule(rule)) : "refused");
            }

            AnsiConsole.Write(view);
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>An image rule as the README's Images table writes it: <c>tiles 85 + 170</c>, <c>patches ×1.62</c>.</summary>
    private static string ImageRule(ImageTokenRule rule) => rule.Kind == ImageTokenKind.Tiles
        ? $"tiles {rule.BaseTokens} + {rule.TokensPerTile}"
        : $"patches ×{Rate(rule.PatchMultiplier)}";

    private static string Rate(decimal value) => value.ToString("0.#####", CultureInfo.InvariantCulture);

    private static string Count(int value) => value.ToString("#,0", CultureInfo.InvariantCulture);
}
