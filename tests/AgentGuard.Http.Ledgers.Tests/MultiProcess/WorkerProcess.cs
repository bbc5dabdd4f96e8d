using System.Diagnostics;
using System.Reflection;

namespace AgentGuard.Http.Ledgers.Tests.MultiProcess;

/// <summary>A worker OS process (tests/AgentGuard.Http.Worker) whose stdout lines are watched, and that can be killed with SIGKILL.</summary>
internal sealed class WorkerProcess : IDisposable
{
    private readonly Process _process;
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private WorkerProcess(Process process, Action<WorkerProcess, string> onLine)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                _done.TrySetResult();
                return;
            }

            Lines.Enqueue(e.Data);
            onLine(this, e.Data);
        };
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                Errors.Enqueue(e.Data);
            }
        };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public System.Collections.Concurrent.ConcurrentQueue<string> Lines { get; } = new();

    public System.Collections.Concurrent.ConcurrentQueue<string> Errors { get; } = new();

    public bool Killed { get; private set; }

    public int Id => _process.Id;

    /// <summary>Ends when the process's output ends: it exited or was killed.</summary>
    public Task Exited => _done.Task;

    public static WorkerProcess Start(IEnumerable<string> arguments, Action<WorkerProcess, string> onLine)
    {
        string worker = typeof(WorkerProcess).Assembly.GetCustomAttributes<System.Reflection.AssemblyMetadataAttribute>()
            .Single(a => a.Key == "WorkerPath").Value!;
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(worker);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return new WorkerProcess(Process.Start(start) ?? throw new InvalidOperationException("The worker did not start."), onLine);
    }

    /// <summary>SIGKILL: the process gets no chance to settle, release or flush anything.</summary>
    public void Kill()
    {
        Killed = true;
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It had exited already.
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            Kill();
        }

        _process.Dispose();
    }
}
