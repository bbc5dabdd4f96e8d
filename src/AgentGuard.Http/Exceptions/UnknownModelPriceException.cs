namespace AgentGuard.Http;

/// <summary>
/// The price table has no price for the model (or for the tier the call bills at, or for the audio output a chat
/// request asks for), so the call's cost cannot be bounded and it was refused before it was sent. An unknown price is
/// never taken as zero.
/// </summary>
public sealed class UnknownModelPriceException : AgentGuardException
{
    /// <summary>Creates the exception with the standard explanation for an unknown model.</summary>
    public UnknownModelPriceException(string model)
        : this(model,
            $"The model '{model}' has no price in the AgentGuard.Http price table, so the cost of the call cannot be bounded and it was not sent. " +
            (model.StartsWith("ft:", StringComparison.Ordinal)
                ? "Fine-tuned models are billed at prices of their own: add one with "
                : "Add its price with ") +
            $"AgentGuardOptions.Prices[\"{model}\"] = new ModelPrice {{ ... }} or in a prices file (AgentGuardOptions.PricesFile).")
    {
    }

    /// <summary>The standard explanation, with the known model the name is nearest to, if any (a typo).</summary>
    internal static UnknownModelPriceException WithSuggestion(string model, string? nearest) => nearest is null
        ? new UnknownModelPriceException(model)
        : new UnknownModelPriceException(model,
            $"The model '{model}' has no price in the AgentGuard.Http price table, so the cost of the call cannot be bounded and it was not sent. " +
            $"Did you mean '{nearest}'? Add its price with AgentGuardOptions.Prices[\"{model}\"] = new ModelPrice {{ ... }} " +
            $"or in a prices file (AgentGuardOptions.PricesFile) if '{model}' is the model you meant.");

    /// <summary>Creates the exception with a specific explanation.</summary>
    public UnknownModelPriceException(string model, string message)
        : base(message)
    {
        Model = model;
    }

    /// <summary>The model as the request named it.</summary>
    public string Model { get; }
}
