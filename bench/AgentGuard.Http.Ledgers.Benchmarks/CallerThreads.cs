using System.Runtime.ExceptionServices;

namespace AgentGuard.Http.Ledgers.Benchmarks;

/// <summary>
/// Threads of their own for the synchronous callers, started once per benchmark case and woken per invocation, so an
/// invocation measures the pairs and not the start of threads (nor the thread pool's growth: synchronous callers that
/// block pool threads would stall the async I/O completions some stores rely on).
/// </summary>
public sealed class CallerThreads : IDisposable
{
    private readonly Thread[] _threads;
    private readonly SemaphoreSlim[] _go;
    private readonly CountdownEvent _done;
    private Action<int>? _work;
    private int _pairs;
    private ExceptionDispatchInfo? _failure;
    private volatile bool _stopping;

    /// <param name="count">Threads besides the caller's own.</param>
    public CallerThreads(int count)
    {
        _threads = new Thread[count];
        _go = new SemaphoreSlim[count];
        _done = new CountdownEvent(count);
        for (int i = 0; i < count; i++)
        {
            _go[i] = new SemaphoreSlim(0, 1);
            var go = _go[i];
            _threads[i] = new Thread(() => Loop(go)) { IsBackground = true, Name = "ledger-caller-" + (i + 1) };
            _threads[i].Start();
        }
    }

    /// <summary>Runs <paramref name="work"/> for <paramref name="pairs"/> pairs on every thread and on the calling one, and waits for all.</summary>
    public void Run(int pairs, Action<int> work)
    {
        _work = work;
        _pairs = pairs;
        _failure = null;
        _done.Reset();
        foreach (var go in _go)
        {
            go.Release();
        }

        try
        {
            work(pairs);
        }
        finally
        {
            _done.Wait();
        }

        _failure?.Throw();
    }

    public void Dispose()
    {
        _stopping = true;
        foreach (var go in _go)
        {
            go.Release();
        }

        foreach (var thread in _threads)
        {
            thread.Join();
        }

        foreach (var go in _go)
        {
            go.Dispose();
        }

        _done.Dispose();
    }

    private void Loop(SemaphoreSlim go)
    {
        while (true)
        {
            go.Wait();
            if (_stopping)
            {
                return;
            }

            try
            {
                _work!(_pairs);
            }
#pragma warning disable CA1031 // Rethrown on the benchmark's thread by Run.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                Interlocked.CompareExchange(ref _failure, ExceptionDispatchInfo.Capture(ex), null);
            }
            finally
            {
                _done.Signal();
            }
        }
    }
}
