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
        : this(model, nearNames: [])
    {
    }

    /// <summary>Creates the exception with a specific explanation.</summary>
    public UnknownModelPriceException(string model, string message)
        : base(message)
    {
        Model = model;
    }

    /// <summary>The standard explanation, with the priced names nearest to the model as a did-you-mean.</summary>
    internal UnknownModelPriceException(string model, IReadOnlyList<string> nearNames)
        : this(model, Describe(model, nearNames, LibraryAdvice(model)))
    {
    }

    /// <summary>The model as the request named it.</summary>
    public string Model { get; }

    /// <summary>
    /// Why <paramref name="model"/> is refused, what it may be a typo of, and <paramref name="advice"/> (how to give it a
    /// price: in code and a prices file for the library, with a command-line option for the CLI).
    /// </summary>
    internal static string Describe(string model, IReadOnlyList<string> nearNames, string advice) =>
        $"The model '{model}' has no price in the AgentGuard.Http price table, so the cost of the call cannot be bounded and it was not sent. " +
        (nearNames.Count == 0 ? "" : $"Did you mean {string.Join(" or ", nearNames.Select(n => $"'{n}'"))}? ") +
        advice;

    private static string LibraryAdvice(string model) =>
        (model.StartsWith("ft:", StringComparison.Ordinal)
            ? "Fine-tuned models are billed at prices of their own: add one with "
            : "Add its price with ") +
        $"AgentGuardOptions.Prices[\"{model}\"] = new ModelPrice {{ ... }} or in a prices file (AgentGuardOptions.PricesFile; " +
        "'agentguard prices import' refreshes the whole table).";
}
