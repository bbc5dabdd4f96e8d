using System.Collections.Concurrent;

namespace AgentGuard.Http.Redis.Internal;

/// <summary>
/// Which budget each lease reserved in this process: a settlement names only its lease, and this spares it the read of
/// the lease index in Redis. Bounded: when it grows past its capacity (leases that are never settled here) it starts
/// over, and the index answers for the leases it forgot.
/// </summary>
internal sealed class LeaseBudgets
{
    private const int Capacity = 65_536;

    private readonly ConcurrentDictionary<string, string> _roots = new(StringComparer.Ordinal);

    // Approximate (a clear races with adds): it only decides when to start over.
    private int _count;

    public void Remember(string leaseId, string root)
    {
        if (_roots.TryAdd(leaseId, root) && Interlocked.Increment(ref _count) > Capacity)
        {
            _roots.Clear();
            Interlocked.Exchange(ref _count, 0);
        }
    }

    public bool TryGet(string leaseId, out string root) => _roots.TryGetValue(leaseId, out root!);

    public void Forget(string leaseId)
    {
        if (_roots.TryRemove(leaseId, out _))
        {
            Interlocked.Decrement(ref _count);
        }
    }
}
