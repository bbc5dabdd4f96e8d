using System.Diagnostics.CodeAnalysis;
using AgentGuard.Http;

namespace AgentGuard.Gateway.Options;

/// <summary>Reads a key's scope as configuration writes it: <c>tenant:acme/agent:planner</c>.</summary>
internal static class GatewayScopes
{
    public static bool TryParse(string text, [NotNullWhen(true)] out BudgetScope? scope)
    {
        scope = null;
        var segments = new List<BudgetScopeSegment>();
        foreach (string part in text.Split('/'))
        {
            int colon = part.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || colon == part.Length - 1)
            {
                return false;
            }

            segments.Add(new BudgetScopeSegment(part[..colon], part[(colon + 1)..]));
        }

        try
        {
            scope = BudgetScope.Create(segments);
            return true;
        }
        catch (ArgumentException)
        {
            // The library's own rules for names and ids (no '/', ':', '@', '{', '}').
            return false;
        }
    }
}
