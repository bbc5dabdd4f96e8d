namespace AgentGuard.Http.Providers;

/// <summary>What a non-success HTTP status proves about billing.</summary>
internal enum StatusVerdict
{
    /// <summary>Nothing: the call may have been billed, so it is charged in full.</summary>
    Unknown,

    /// <summary>A rejection, which is not billed.</summary>
    NotBilled,

    /// <summary>A rejection when the provider itself answered (its own error body); else unknown.</summary>
    NotBilledIfProviderError,
}
