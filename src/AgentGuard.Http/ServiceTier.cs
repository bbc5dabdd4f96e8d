namespace AgentGuard.Http;

/// <summary>
/// The OpenAI processing tier a call bills at. Requests may name a tier in <c>service_tier</c>;
/// <see cref="AgentGuardOptions.ServiceTier"/> is the tier assumed for requests that do not (or say <c>auto</c>).
/// </summary>
public enum ServiceTier
{
    /// <summary>Standard list prices (<c>service_tier: "default"</c>).</summary>
    Standard = 0,

    /// <summary>
    /// Batch API prices (50% of standard). Choosing it is the statement that the guarded calls bill at
    /// batch rates; if they do not, the guard under-reserves and under-records by half.
    /// </summary>
    Batch = 1,

    /// <summary>Flex processing (<c>service_tier: "flex"</c>), billed at the batch rate on the models that offer it.</summary>
    Flex = 2,

    /// <summary>Priority processing (<c>service_tier: "priority"</c>), billed at a per-model multiple of standard.</summary>
    Priority = 3,
}
