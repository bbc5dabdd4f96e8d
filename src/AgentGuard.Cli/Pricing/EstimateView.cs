using System.Globalization;
using Spectre.Console;

namespace AgentGuard.Cli.Pricing;

/// <summary>The estimate, for the terminal.</summary>
internal static class EstimateView
{
    public static void Write(RequestEstimate estimate, Bound reserved, long? budgetLeft, bool fits)
    {
        var input = estimate.Input;
        var output = estimate.Output;
        var bytes = estimate.ByBytes;
        var grid = new Table().Border(TableBorder.Rounded)
            .Title($"[bold]{Markup.Escape(estimate.Model)}[/] (priced as {Markup.Escape(estimate.PricedAs)}, {estimate.Tier.ToString().ToLowerInvariant()} tier)")
            .AddColumn("Part")
            .AddColumn(new TableColumn("Tokens").RightAligned())
            .AddColumn("How");
        grid.AddRow("input: text", Count(input.TextBytes), "the body's UTF-8 bytes (no token is shorter than a byte)");
        grid.AddRow("input: framing", Count(input.Framing), "per message, per name, and the reply priming");
        grid.AddRow("input: tools", Count(input.Tools), "per tool definition and response_format");
        grid.AddRow("input: images", Count(input.Images), "inline: exact size; by URL: the family's worst case");
        if (input.Other != 0)
        {
            grid.AddRow("input: other", Count(input.Other), "the estimator's rule beyond these parts");
        }

        grid.AddRow("[bold]input[/]", $"[bold]{Count(input.Total)}[/]", $"at ${Rate(bytes.InputRate)} per 1M{(bytes.LongContext ? " (long context)" : "")}");
        string prediction = output.PredictionTokens > 0 ? $" incl. {Count(output.PredictionTokens)} of prediction" : "";
        grid.AddRow("[bold]output[/]", $"[bold]{Count(output.Total)}[/]", $"{output.Choices} × {Count(output.PerChoice)}{prediction}, at ${Rate(bytes.OutputRate)} per 1M");
        AnsiConsole.Write(grid);

        AnsiConsole.MarkupLine($"Worst case by bytes: [bold]{Money.Usd(bytes.CostMicros)}[/]");
        if (estimate.ByTokenizer is { } exact)
        {
            AnsiConsole.MarkupLine($"Worst case by tokenizer: [bold]{Money.Usd(exact.CostMicros)}[/] ({Count(exact.InputTokens)} input, {Count(exact.OutputTokens)} output tokens), used when the byte bound does not fit");
        }

        if (budgetLeft is { } left)
        {
            AnsiConsole.MarkupLine(fits
                ? $"[green]Fits[/] in {Money.Usd(left)} left: the guard reserves {Money.Usd(reserved.CostMicros)}."
                : $"[red]Refused[/]: {Money.Usd(left)} left cannot cover {Money.Usd(reserved.CostMicros)}.");
        }
        else
        {
            AnsiConsole.MarkupLine($"The guard reserves [bold]{Money.Usd(reserved.CostMicros)}[/] when that much is left.");
        }
    }

    private static string Count(long value) => value.ToString("#,0", CultureInfo.InvariantCulture);

    private static string Rate(decimal value) => value.ToString("0.#####", CultureInfo.InvariantCulture);
}
