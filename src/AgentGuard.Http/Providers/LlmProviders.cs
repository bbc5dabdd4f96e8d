using System.Collections.Immutable;
using AgentGuard.Http.Providers.Azure;
using AgentGuard.Http.Providers.OpenAI;

namespace AgentGuard.Http.Providers;

/// <summary>
/// The providers the guard knows. A new provider is one folder under <c>Providers/</c> and one entry here (docs/providers.md).
/// </summary>
internal static class LlmProviders
{
    public static OpenAIProvider OpenAI { get; } = new();

    public static AzureOpenAIProvider AzureOpenAI { get; } = new();

    /// <summary>
    /// Every provider, in the order they claim paths on hosts none of them owns: the most specific path shapes first, and
    /// OpenAI's, which claims every path, last.
    /// </summary>
    public static ImmutableArray<LlmProvider> All { get; } = [AzureOpenAI, OpenAI];

    /// <summary>The provider of that name (<see cref="LlmProvider.Name"/>), or <see langword="null"/>.</summary>
    public static LlmProvider? Find(string? name)
    {
        foreach (var provider in All)
        {
            if (string.Equals(provider.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return provider;
            }
        }

        return null;
    }

    /// <summary>The names of every provider, for messages.</summary>
    public static string Names => string.Join(", ", All.Select(p => p.Name));
}
