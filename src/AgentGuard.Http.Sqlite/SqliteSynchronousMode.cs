namespace AgentGuard.Http.Sqlite;

/// <summary>How hard SQLite flushes a committed transaction to disk (<c>PRAGMA synchronous</c>, in WAL mode).</summary>
public enum SqliteSynchronousMode
{
    /// <summary>
    /// Every commit is flushed to the disk before it returns (<c>synchronous=FULL</c>): a committed reservation or spend
    /// survives a crash of the process and of the machine (a power cut). The default.
    /// </summary>
    Full = 0,

    /// <summary>
    /// Commits are flushed at checkpoints only (<c>synchronous=NORMAL</c>): several times faster, and still safe when a
    /// process crashes, but a power cut or an operating system crash can lose the last commits (spend that was recorded,
    /// reservations that were granted). The database itself stays consistent.
    /// </summary>
    Normal = 1,
}
