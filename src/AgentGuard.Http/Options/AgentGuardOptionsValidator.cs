using System.Globalization;
using AgentGuard.Http.Pricing;
using AgentGuard.Http.Providers;
using Microsoft.Extensions.Options;

namespace AgentGuard.Http;

/// <summary>
/// Validates <see cref="AgentGuardOptions"/> at startup (<c>ValidateOnStart</c>) and in the factory methods,
/// so that a misconfigured budget fails before any call is made, with a message that says what to fix.
/// </summary>
internal sealed class AgentGuardOptionsValidator : IValidateOptions<AgentGuardOptions>
{
    public static AgentGuardOptionsValidator Instance { get; } = new();

    public ValidateOptionsResult Validate(string? name, AgentGuardOptions options)
    {
        var errors = Errors(options).ToList();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>Throws <see cref="ArgumentException"/> listing every error (for code that does not use DI).</summary>
    public static void ThrowIfInvalid(AgentGuardOptions options)
    {
        var errors = Errors(options).ToList();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors), nameof(options));
        }
    }

    private static IEnumerable<string> Errors(AgentGuardOptions options)
    {
        if (options.BudgetUsd == 0m)
        {
            yield return "AgentGuardOptions.BudgetUsd is required: set it to the budget in USD (for example o.BudgetUsd = 5, or \"BudgetUsd\": 5 in configuration).";
        }
        else if (options.BudgetUsd < 0m)
        {
            yield return Invariant($"AgentGuardOptions.BudgetUsd must be greater than zero, but it is {options.BudgetUsd}.");
        }
        else if (options.BudgetUsd > Micros.MaxUsd)
        {
            yield return Invariant($"AgentGuardOptions.BudgetUsd must be at most {Micros.MaxUsd} (ledgers count whole micro-dollars in 64 bits), but it is {options.BudgetUsd}.");
        }
        else if (Micros.LimitFromUsd(options.BudgetUsd) == 0)
        {
            yield return Invariant($"AgentGuardOptions.BudgetUsd must be at least 0.000001 (one micro-dollar), but it is {options.BudgetUsd}.");
        }

        if (options.BudgetName is { } budgetName && !BudgetPoolKeys.IsValidPart(budgetName))
        {
            yield return $"AgentGuardOptions.BudgetName must be non-empty and contain none of / : @ {{ }}, but it is '{budgetName}'; leave it unset to use the HttpClient's name.";
        }

        if (!Enum.IsDefined(options.Window))
        {
            yield return Invariant($"AgentGuardOptions.Window has an unknown value {(int)options.Window}.");
        }

        if (options.TimeZone is { } zone && !TryFindZone(zone))
        {
            yield return $"AgentGuardOptions.TimeZone '{zone}' is not a time zone this machine knows (use an IANA id such as Europe/Paris).";
        }

        foreach (var (level, limit) in options.ScopeLimits ?? new Dictionary<string, ScopeLimit>())
        {
            if (!BudgetPoolKeys.IsValidPart(level))
            {
                yield return $"AgentGuardOptions.ScopeLimits has an invalid level '{level}' (non-empty, none of / : @ {{ }}).";
            }

            if (limit?.DefaultUsd is <= 0m || (limit?.Overrides ?? new Dictionary<string, decimal>()).Values.Any(v => v <= 0m))
            {
                yield return $"AgentGuardOptions.ScopeLimits['{level}'] must have limits greater than zero.";
            }
        }

        if (options.WarningThresholds is null)
        {
            yield return "AgentGuardOptions.WarningThresholds must not be null; clear the list for no warnings.";
        }
        else
        {
            foreach (decimal threshold in options.WarningThresholds)
            {
                if (threshold <= 0m || threshold > 100m)
                {
                    yield return Invariant($"AgentGuardOptions.WarningThresholds must be percentages in (0, 100], but one is {threshold}.");
                }
            }
        }

        if (options.MaxRequestBodyBytes <= 0 || options.MaxRequestBodyBytes > Array.MaxLength)
        {
            yield return Invariant($"AgentGuardOptions.MaxRequestBodyBytes must be between 1 and {Array.MaxLength} bytes, but it is {options.MaxRequestBodyBytes}.");
        }

        if (options.LeaseDuration <= TimeSpan.Zero)
        {
            yield return Invariant($"AgentGuardOptions.LeaseDuration must be greater than zero, but it is {options.LeaseDuration}.");
        }

        if (!Enum.IsDefined(options.ServiceTier))
        {
            yield return Invariant($"AgentGuardOptions.ServiceTier has an unknown value {(int)options.ServiceTier}.");
        }

        if (!Enum.IsDefined(options.RefusalMode))
        {
            yield return Invariant($"AgentGuardOptions.RefusalMode has an unknown value {(int)options.RefusalMode}.");
        }

        if (options.PriceMultiplier <= 0m)
        {
            yield return Invariant($"AgentGuardOptions.PriceMultiplier must be greater than zero, but it is {options.PriceMultiplier}.");
        }

        foreach (var (deployment, target) in options.AzureDeployments ?? new Dictionary<string, AzureDeployment>())
        {
            if (string.IsNullOrWhiteSpace(deployment) || target is null || string.IsNullOrWhiteSpace(target.Model))
            {
                yield return $"AgentGuardOptions.AzureDeployments['{deployment}'] must name the model the deployment runs (for example Model = \"gpt-4o\").";
            }
            else if (target.PriceMultiplier <= 0m)
            {
                yield return Invariant($"AgentGuardOptions.AzureDeployments['{deployment}'].PriceMultiplier must be greater than zero, but it is {target.PriceMultiplier}.");
            }
        }

        if (options.Provider is { } provider && LlmProviders.Find(provider) is null)
        {
            yield return $"AgentGuardOptions.Provider is '{provider}', which AgentGuard.Http does not know. Use one of: {LlmProviders.Names} (AgentGuardProviders).";
        }

        foreach (string endpoint in options.AllowedUnboundedEndpoints ?? [])
        {
            var (prefix, name) = AllowedEndpoint.Split(endpoint ?? "");
            if (string.IsNullOrWhiteSpace(name) || name.Trim('/').Length == 0)
            {
                yield return "AgentGuardOptions.AllowedUnboundedEndpoints has an empty name (use a path below the API root, such as \"images\" or \"audio/speech\", optionally prefixed with a provider: \"openai:images\").";
            }
            else if (prefix is not null && LlmProviders.Find(prefix) is null)
            {
                yield return $"AgentGuardOptions.AllowedUnboundedEndpoints has '{endpoint}', whose provider '{prefix}' AgentGuard.Http does not know. Use one of: {LlmProviders.Names}, or no prefix for any provider.";
            }
        }

        if (options.DefaultMaxOutputTokens is <= 0)
        {
            yield return Invariant($"AgentGuardOptions.DefaultMaxOutputTokens must be greater than zero when set, but it is {options.DefaultMaxOutputTokens}.");
        }

        if (options.MinClampedOutputTokens <= 0)
        {
            yield return Invariant($"AgentGuardOptions.MinClampedOutputTokens must be greater than zero, but it is {options.MinClampedOutputTokens}.");
        }

        foreach (var (tool, fee) in options.HostedToolFees ?? new Dictionary<string, decimal>())
        {
            if (string.IsNullOrWhiteSpace(tool) || fee < 0m)
            {
                yield return Invariant($"AgentGuardOptions.HostedToolFees['{tool}'] must be a tool type with a fee of at least zero, but it is {fee}.");
            }
        }

        if (options.AssumedMaxToolCalls <= 0)
        {
            yield return Invariant($"AgentGuardOptions.AssumedMaxToolCalls must be greater than zero, but it is {options.AssumedMaxToolCalls}.");
        }

        if (options.BackgroundLeaseDuration <= TimeSpan.Zero)
        {
            yield return Invariant($"AgentGuardOptions.BackgroundLeaseDuration must be greater than zero, but it is {options.BackgroundLeaseDuration}.");
        }

        foreach (var (model, price) in options.Prices ?? new Dictionary<string, ModelPrice>())
        {
            if (ModelPriceRules.Validate(model, price) is { } error)
            {
                yield return $"AgentGuardOptions.Prices: {error}";
            }
        }

        if (options.PricesFile is { } path)
        {
            string? fileError = null;
            try
            {
                PriceTableJson.ReadFile(path);
            }
            catch (InvalidDataException ex)
            {
                fileError = ex.Message;
            }
            catch (IOException ex)
            {
                fileError = $"The prices file '{path}' cannot be read: {ex.Message}";
            }
            catch (UnauthorizedAccessException ex)
            {
                fileError = $"The prices file '{path}' cannot be read: {ex.Message}";
            }

            if (fileError is not null)
            {
                yield return $"AgentGuardOptions.PricesFile: {fileError}";
            }
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static bool TryFindZone(string id)
    {
        try
        {
            TimeZoneInfo.FindSystemTimeZoneById(id);
            return true;
        }
        catch (TimeZoneNotFoundException)
        {
            return false;
        }
        catch (InvalidTimeZoneException)
        {
            return false;
        }
    }
}
