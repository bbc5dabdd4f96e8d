using System.CommandLine;
using AgentGuard.Cli.Output;
using AgentGuard.Cli.Pricing;
using AgentGuard.Http;

namespace AgentGuard.Cli.Commands;

/// <summary><c>agentguard estimate FILE|-</c>: the worst-case cost the guard would reserve for a request body, with its breakdown.</summary>
internal static class EstimateCommand
{
    public static Command Create()
    {
        var json = CommonOptions.Json();
        var pricesFile = CommonOptions.PricesFile();
        var file = new Argument<string>("FILE") { Description = "A Chat Completions request body (JSON), or - for standard input." };
        var tier = new Option<string>("--tier")
        {
            Description = "The configured default tier (AgentGuardOptions.ServiceTier), used when the request names none.",
            DefaultValueFactory = _ => "standard",
        };
        tier.AcceptOnlyFromAmong("standard", "batch", "flex", "priority");
        var budgetLeft = new Option<string?>("--budget-left")
        {
            Description = "The budget left, in USD: exit 1 when the guard would refuse the request for it.",
            HelpName = "USD",
        };
        var command = new Command("estimate", "The worst-case cost the guard would reserve for a request, with the breakdown: input (text bytes, framing, tools, images) and output.")
        {
            file, tier, pricesFile, budgetLeft, json,
        };
        command.SetAction(async (parse, ct) =>
        {
            long? left = parse.GetValue(budgetLeft) is { } text ? ParseBudgetLeft(text) : null;
            var prices = EffectivePrices.Load(parse.GetValue(pricesFile));
            byte[] body = await ReadBodyAsync(parse.GetValue(file)!, ct).ConfigureAwait(false);
            RequestEstimate estimate;
            try
            {
                estimate = RequestEstimate.Compute(body, prices, Enum.Parse<ServiceTier>(parse.GetValue(tier)!, ignoreCase: true));
            }
            catch (UnboundedRequestException ex) when (ex.Reason == UnboundedRequestReason.MalformedBody)
            {
                throw new CliException(ex.Message);
            }
            catch (AgentGuardException ex) when (ex is UnboundedRequestException or UnknownModelPriceException)
            {
                // A request the guard cannot price is one it refuses.
                throw new CliException("The guard would refuse this request: " + ex.Message, ExitCodes.Refused);
            }

            var (reserved, fits) = estimate.ReserveWithin(left);
            if (parse.GetValue(json))
            {
                CliJson.Write(new { estimate.Model, estimate.PricedAs, estimate.Tier, estimate.Input, estimate.Output, estimate.ByBytes, estimate.ByTokenizer, Reserved = reserved, BudgetLeftMicros = left, Fits = fits });
            }
            else
            {
                EstimateView.Write(estimate, reserved, left, fits);
            }

            return fits ? ExitCodes.Ok : ExitCodes.Refused;
        });
        return command;
    }

    private static long ParseBudgetLeft(string text)
    {
        // Zero left is a meaningful question ("would anything fit?"), unlike a zero limit.
        string trimmed = text.Trim().TrimStart('$');
        return decimal.TryParse(trimmed, System.Globalization.NumberStyles.AllowDecimalPoint, System.Globalization.CultureInfo.InvariantCulture, out decimal usd) && usd == 0
            ? 0
            : Money.ParseLimit(text, "--budget-left");
    }

    private static async Task<byte[]> ReadBodyAsync(string file, CancellationToken ct)
    {
        if (file == "-")
        {
            using var buffer = new MemoryStream();
            await Console.OpenStandardInput().CopyToAsync(buffer, ct).ConfigureAwait(false);
            return buffer.ToArray();
        }

        return File.Exists(file)
            ? await File.ReadAllBytesAsync(file, ct).ConfigureAwait(false)
            : throw new CliException($"The request file '{file}' does not exist.");
    }
}
