using AgentGuard.Http;
using AgentGuard.Http.Estimation;
using AgentGuard.Http.Pricing;
using AgentGuard.Http.Providers.OpenAI;
using AgentGuard.Http.Requests;

namespace AgentGuard.Cli.Pricing;

/// <summary>
/// What the guard would reserve for a Chat Completions request body, computed by the library's own reader, price table
/// and estimator; the breakdown of the byte bound's input comes from the reader's counts and the estimator's framing constants.
/// </summary>
internal sealed record RequestEstimate(
    string Model,
    string PricedAs,
    ServiceTier Tier,
    InputBreakdown Input,
    OutputBreakdown Output,
    Bound ByBytes,
    Bound? ByTokenizer)
{
    /// <summary>Reads and prices a body; throws the guard's own refusals (<see cref="UnboundedRequestException"/>, <see cref="UnknownModelPriceException"/>).</summary>
    public static RequestEstimate Compute(byte[] body, PriceTable prices, ServiceTier defaultTier)
    {
        // Through the guard's own entry point, so the estimate refuses what the guard refuses (a body that is not UTF-8).
        var request = (ChatCompletionRequest)GuardedRequestReader.Read(OpenAIOperations.ChatCompletions, body);
        var priced = prices.TryResolve(request.Model, out var found) ? found : throw UnknownModel(request.Model, prices);
        var tier = ServiceTierNames.ForRequest(request.ServiceTier, defaultTier, request.Model);
        var byBytes = ChatCostEstimator.ByBytes(request, priced, tier);
        var byTokenizer = ChatCostEstimator.ByTokenizer(body, request, priced, tier);

        long framing = ((long)ChatInputBounds.FramingPerMessage * request.MessageCount)
            + ((long)ChatInputBounds.FramingPerName * request.NameCount)
            + ChatInputBounds.ReplyPriming;
        long tools = (long)ChatInputBounds.FramingPerTool * (request.ToolCount + (request.HasResponseFormat ? 1 : 0));
        var input = new InputBreakdown(
            TextBytes: request.TextBytes,
            Framing: framing,
            Tools: tools,
            Images: ImageInputBounds.Tokens(request.Images, priced, request.Model),
            Total: byBytes.InputTokens);

        long perChoice = byBytes.OutputTokens / request.Choices;
        var output = new OutputBreakdown(request.Choices, perChoice, request.PredictionBytes, byBytes.OutputTokens);
        return new RequestEstimate(
            request.Model,
            priced.Family,
            tier,
            input,
            output,
            Bound.Of(byBytes, priced, request.Model),
            byTokenizer is { } exact ? Bound.Of(exact, priced, request.Model) : null);
    }

    /// <summary>
    /// The guard's refusal of an unknown model, with the CLI's advice: the library's options are not the CLI's to set, a
    /// prices file given with <c>--prices-file</c> is.
    /// </summary>
    private static UnknownModelPriceException UnknownModel(string model, PriceTable prices) => new(model, UnknownModelPriceException.Describe(
        model,
        prices.NearNames(model),
        $"Give it a price in a prices file and pass --prices-file FILE (the format of 'agentguard prices --json'; 'agentguard prices import' builds a fresh table), " +
        "as AgentGuardOptions.PricesFile gives it to the guard."));

    /// <summary>
    /// What the guard reserves when <paramref name="budgetLeftMicros"/> remain (unlimited when null): the byte bound when it
    /// fits, else the tokenizer's bound when it is tighter; and whether that fits.
    /// </summary>
    public (Bound Reserved, bool Fits) ReserveWithin(long? budgetLeftMicros)
    {
        if (budgetLeftMicros is not { } left || ByBytes.CostMicros <= left)
        {
            return (ByBytes, true);
        }

        var tighter = ByTokenizer is { } exact && exact.CostMicros < ByBytes.CostMicros ? exact : ByBytes;
        return (tighter, tighter.CostMicros <= left);
    }
}

/// <summary>The byte bound's input tokens: the body's bytes, chat framing, tool and response-format framing, images.</summary>
internal sealed record InputBreakdown(long TextBytes, long Framing, long Tools, long Images, long Total)
{
    /// <summary>What the parts do not explain (zero unless the estimator's rule changed under the CLI).</summary>
    public long Other => Total - TextBytes - Framing - Tools - Images;
}

/// <summary>The output bound: n choices of the largest output the request allows, plus the prediction each may reject.</summary>
internal sealed record OutputBreakdown(int Choices, long PerChoice, long PredictionTokens, long Total);

/// <summary>One bound: tokens, the rates it is priced at, and its cost (rounded up to whole micro-dollars).</summary>
internal sealed record Bound(long InputTokens, long OutputTokens, bool LongContext, decimal InputRate, decimal OutputRate, long CostMicros, decimal CostUsd)
{
    public static Bound Of(CostBound bound, PricedModel priced, string model)
    {
        bool longContext = priced.IsLongContext(bound.InputTokens);
        var rates = priced.GetRates(bound.Tier, longContext, model);
        return new Bound(bound.InputTokens, bound.OutputTokens, longContext, rates.UncachedInput, rates.Output, bound.Micros, Money.ToUsd(bound.Micros));
    }
}
