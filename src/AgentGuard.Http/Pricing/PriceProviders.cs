namespace AgentGuard.Http.Pricing;

/// <summary>
/// The providers the price table names (genai-prices' ids: <c>openai</c>, <c>azure</c>, <c>anthropic</c>, <c>google</c>), the
/// other names they go by (the guard's provider names, LiteLLM's prefixes, Gemini's <c>models/</c>), and which providers'
/// names each one also serves (Azure deploys OpenAI's and Anthropic's models, Vertex AI Anthropic's).
/// </summary>
internal static class PriceProviders
{
    public const string OpenAI = "openai";
    public const string Azure = "azure";
    public const string Anthropic = "anthropic";
    public const string Google = "google";

    /// <summary>The providers of the table, in the order they are listed (a name's own maker first).</summary>
    public static IReadOnlyList<string> All { get; } = [OpenAI, Anthropic, Google, Azure];

    private static readonly Dictionary<string, string> s_aliases = new(StringComparer.OrdinalIgnoreCase)
    {
        [OpenAI] = OpenAI,
        [Azure] = Azure,
        ["azure_ai"] = Azure,
        [AgentGuardProviders.AzureOpenAI] = Azure,
        [Anthropic] = Anthropic,
        [Google] = Google,
        ["gemini"] = Google,
        ["vertex_ai"] = Google,
        ["gcp.gemini"] = Google,
        ["gcp.vertex_ai"] = Google,
    };

    // genai-prices' fallback_model_providers, restricted to the providers of the table.
    private static readonly Dictionary<string, string[]> s_alsoServes = new(StringComparer.Ordinal)
    {
        [Azure] = [OpenAI, Anthropic],
        [Google] = [Anthropic],
    };

    /// <summary>The provider a name means (<c>azure.ai.openai</c> is <c>azure</c>), or <see langword="null"/>.</summary>
    public static string? Find(string name) => s_aliases.GetValueOrDefault(name.Trim());

    /// <summary>The provider a model name's prefix means (<c>openai/</c>, <c>gemini/</c>, Gemini's <c>models/</c>), or <see langword="null"/>.</summary>
    public static string? FromPrefix(string prefix) => prefix == "models" ? Google : s_aliases.GetValueOrDefault(prefix);

    /// <summary>Whether <paramref name="provider"/> bills the model of <paramref name="price"/> (always, for a price of unknown provider).</summary>
    public static bool Serves(ModelPrice price, string provider) =>
        price.Providers.Count == 0
        || price.Providers.Contains(provider, StringComparer.Ordinal)
        || (s_alsoServes.TryGetValue(provider, out var others) && price.Providers.Any(p => others.Contains(p, StringComparer.Ordinal)));

    /// <summary>The names <see cref="Find"/> accepts, for messages.</summary>
    public static string Names => string.Join(", ", All);
}
