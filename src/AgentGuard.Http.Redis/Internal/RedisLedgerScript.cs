using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using StackExchange.Redis;

namespace AgentGuard.Http.Redis.Internal;

/// <summary>
/// One operation's Lua script (the shared prelude, then the operation's body), called by its SHA-1 with EVALSHA. A
/// server that does not know it (first use, or a restart emptied its script cache) answers NOSCRIPT and gets the text
/// once with EVAL, which caches it there again: nothing ran, so this is no retry of an applied operation.
/// </summary>
internal sealed class RedisLedgerScript
{
    private static readonly string s_prelude = Read("common");

    private RedisLedgerScript(string name)
    {
        Name = name;
        Text = s_prelude + "\n" + Read(name);
#pragma warning disable CA5350 // Redis names scripts by their SHA-1: an identifier, not a security measure.
        Hash = SHA1.HashData(Encoding.UTF8.GetBytes(Text));
#pragma warning restore CA5350
    }

    public static RedisLedgerScript Reserve { get; } = new("reserve");

    public static RedisLedgerScript Settle { get; } = new("settle");

    public static RedisLedgerScript Extend { get; } = new("extend");

    public static RedisLedgerScript Batch { get; } = new("batch");

    public static RedisLedgerScript State { get; } = new("state");

    public static RedisLedgerScript SetLimit { get; } = new("set_limit");

    public static RedisLedgerScript Reset { get; } = new("reset");

    public static RedisLedgerScript ClaimWarning { get; } = new("claim_warning");

    public static RedisLedgerScript List { get; } = new("list");

    public static RedisLedgerScript Sweep { get; } = new("sweep");

    public string Name { get; }

    public string Text { get; }

    public byte[] Hash { get; }

    public RedisResult Evaluate(IDatabase database, RedisKey[] keys, RedisValue[] args)
    {
        try
        {
            return database.ScriptEvaluate(Hash, keys, args);
        }
        catch (RedisServerException ex) when (IsNoScript(ex))
        {
            return database.ScriptEvaluate(Text, keys, args);
        }
    }

    public async Task<RedisResult> EvaluateAsync(IDatabase database, RedisKey[] keys, RedisValue[] args)
    {
        try
        {
            return await database.ScriptEvaluateAsync(Hash, keys, args).ConfigureAwait(false);
        }
        catch (RedisServerException ex) when (IsNoScript(ex))
        {
            return await database.ScriptEvaluateAsync(Text, keys, args).ConfigureAwait(false);
        }
    }

    private static bool IsNoScript(RedisServerException ex) => ex.Message.StartsWith("NOSCRIPT", StringComparison.Ordinal);

    private static string Read(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"AgentGuard.Http.Redis.Scripts.{name}.lua")
            ?? throw new InvalidOperationException($"The Lua script '{name}' is not embedded.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
