namespace AgentGuard.Cli.Ledgers;

/// <summary>The parts of a ledger URL, percent-decoded. Errors never repeat the URL: it may hold a password.</summary>
internal sealed record LedgerUrl(string Host, int? Port, string? User, string? Password, string Path, IReadOnlyList<(string Name, string Value)> Query)
{
    public static LedgerUrl Parse(string spec, string store, string example)
    {
        if (!Uri.TryCreate(spec, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
        {
            throw new CliException($"The {store} ledger URL cannot be read: expected {example}.");
        }

        string? user = null, password = null;
        if (uri.UserInfo.Length > 0)
        {
            int colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
            user = Uri.UnescapeDataString(colon < 0 ? uri.UserInfo : uri.UserInfo[..colon]);
            password = colon < 0 ? null : Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]);
            Secrets.Add(password);
        }

        var query = new List<(string, string)>();
        foreach (string pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            int equals = pair.IndexOf('=', StringComparison.Ordinal);
            query.Add(equals < 0
                ? (Uri.UnescapeDataString(pair), "")
                : (Uri.UnescapeDataString(pair[..equals]), Uri.UnescapeDataString(pair[(equals + 1)..])));
        }

        return new LedgerUrl(
            uri.Host,
            uri.IsDefaultPort || uri.Port < 0 ? null : uri.Port,
            string.IsNullOrEmpty(user) ? null : user,
            string.IsNullOrEmpty(password) ? null : password,
            Uri.UnescapeDataString(uri.AbsolutePath),
            query);
    }
}
