namespace AgentGuard.Gateway.Options;

/// <summary>
/// The gateway's configuration (the <c>Gateway</c> section): its routes, the keys its clients authenticate with, its
/// ledger. The budget itself is the library's <c>AgentGuard</c> section (<c>AgentGuardOptions</c>), shared by every route,
/// so one budget spans every provider.
/// </summary>
internal sealed class GatewayOptions
{
    /// <summary>The configuration section this binds from.</summary>
    public const string SectionName = "Gateway";

    /// <summary>Ten minutes: a long thinking stream may be silent for minutes between events.</summary>
    public static readonly TimeSpan DefaultActivityTimeout = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Routes by the first segment of the path: <c>openai</c> serves <c>/openai/v1/chat/completions</c> from its
    /// upstream's <c>/v1/chat/completions</c>.
    /// </summary>
    public Dictionary<string, GatewayRoute> Routes { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The keys clients send instead of a provider's key, each with the scope its calls are charged to.</summary>
    public List<GatewayKey> Keys { get; } = [];

    /// <summary>How long a forwarded call may go without a byte either way before it is cancelled.</summary>
    public TimeSpan ActivityTimeout { get; set; } = DefaultActivityTimeout;

    /// <summary>Where the budget is kept.</summary>
    public GatewayLedger Ledger { get; set; } = new();
}

/// <summary>One upstream, under one path prefix, guarded as its provider.</summary>
internal sealed class GatewayRoute
{
    /// <summary>The provider whose bounds, usage and error rules apply (<c>AgentGuardProviders</c>: <c>openai</c>, <c>azure.ai.openai</c>).</summary>
    public string Provider { get; set; } = "";

    /// <summary>The upstream's base URL: the path after the prefix is appended to it (<c>https://api.openai.com</c>).</summary>
    public Uri? Upstream { get; set; }

    /// <summary>The upstream's key, added to every forwarded call in the provider's own header.</summary>
    public string? ApiKey { get; set; }

    /// <summary>
    /// An environment variable that holds the upstream's key when <see cref="ApiKey"/> is not set (<c>OPENAI_API_KEY</c>),
    /// so a key need not be written into a file.
    /// </summary>
    public string? ApiKeyVariable { get; set; }
}

/// <summary>A key a client authenticates with.</summary>
internal sealed class GatewayKey
{
    /// <summary>Who the key is for, in logs (never the key itself).</summary>
    public string Name { get; set; } = "";

    /// <summary>The secret the client sends, in whatever header its SDK uses.</summary>
    public string Key { get; set; } = "";

    /// <summary>
    /// The scope the key's calls are charged to (<c>tenant:acme</c>, <c>tenant:acme/agent:planner</c>); the levels with a
    /// limit in <c>AgentGuard:ScopeLimits</c> get pools of their own. None: the budget alone.
    /// </summary>
    public string? Scope { get; set; }
}

/// <summary>The store the gateway's budget is kept in.</summary>
internal sealed class GatewayLedger
{
    /// <summary>In memory by default: one gateway process. A shared store for budgets that outlive it or span replicas.</summary>
    public GatewayLedgerKind Kind { get; set; } = GatewayLedgerKind.InMemory;

    /// <summary>The SQLite file, the Redis configuration string or the PostgreSQL connection string.</summary>
    public string? ConnectionString { get; set; }
}

/// <summary>The ledger stores the gateway can keep its budget in.</summary>
internal enum GatewayLedgerKind
{
    InMemory,
    Sqlite,
    Redis,
    Postgres,
}
