namespace AgentGuard.Http.Providers.OpenAI;

/// <summary>Maps the wire names of <c>service_tier</c> to <see cref="ServiceTier"/>, in requests and in responses.</summary>
internal static class ServiceTierNames
{
    /// <summary>
    /// The tier a request bills at: the tier it names, else (absent or <c>auto</c>) the configured project default.
    /// A tier name without a known price is a refusal, never a guess.
    /// </summary>
    public static ServiceTier ForRequest(string? requested, ServiceTier configuredDefault, string model) => requested switch
    {
        null or "auto" => configuredDefault,
        "default" => ServiceTier.Standard,
        "flex" => ServiceTier.Flex,
        "priority" => ServiceTier.Priority,
        _ => throw new UnknownModelPriceException(model,
            $"The request asks for service_tier '{requested}', which has no price in the AgentGuard.Http price table; the call was not sent."),
    };

    /// <summary>
    /// The tier a response says it billed at. Absent or unknown, the tier the reservation was priced at.
    /// "default" under <see cref="ServiceTier.Batch"/> stays batch: the user stated that these calls bill at batch rates.
    /// </summary>
    public static ServiceTier ForResponse(string? reported, ServiceTier reserved) => reported switch
    {
        "default" => reserved == ServiceTier.Batch ? ServiceTier.Batch : ServiceTier.Standard,
        "flex" => ServiceTier.Flex,
        "priority" => ServiceTier.Priority,
        _ => reserved,
    };
}
