using AgentGuard.Http;

namespace AgentGuard.Demo;

/// <summary>What the agents did so far, updated from any thread and read by the view.</summary>
internal sealed class DemoState(int agents, decimal budgetUsd)
{
    private const int EventsKept = 8;

    private readonly Lock _lock = new();
    private readonly AgentState[] _agents = [.. Enumerable.Range(1, agents).Select(id => new AgentState(id))];
    private readonly List<string> _events = [];

    public decimal BudgetUsd { get; } = budgetUsd;

    private (decimal Spent, decimal Reserved) _spend;

    /// <summary>Spent and reserved as the budget's ledger last reported them.</summary>
    public (decimal Spent, decimal Reserved) Spend { get { lock (_lock) { return _spend; } } }

    public IReadOnlyList<AgentState> Agents { get { lock (_lock) { return [.. _agents.Select(a => a with { })]; } } }

    public IReadOnlyList<string> Events { get { lock (_lock) { return [.. _events]; } } }

    public void Called(int agent, int outputTokens, BudgetedSession session)
    {
        lock (_lock)
        {
            var state = _agents[agent - 1];
            state.Calls++;
            state.LastOutputTokens = outputTokens;
        }

        Refresh(session);
    }

    public void Stopped(int agent, string reason)
    {
        lock (_lock)
        {
            _agents[agent - 1].StoppedBecause = reason;
        }
    }

    public void Event(string text)
    {
        lock (_lock)
        {
            _events.Add($"{DateTime.Now:HH:mm:ss.f}  {text}");
            if (_events.Count > EventsKept)
            {
                _events.RemoveAt(0);
            }
        }
    }

    public void Refresh(BudgetedSession session)
    {
        var spend = (session.GetTotalSpent(), session.GetReserved());
        lock (_lock)
        {
            _spend = spend;
        }
    }
}

/// <summary>One agent: its calls, its last reply's size, and why it stopped (null while it runs).</summary>
internal sealed record AgentState(int Id)
{
    public int Calls { get; set; }

    public int LastOutputTokens { get; set; }

    public string? StoppedBecause { get; set; }
}
