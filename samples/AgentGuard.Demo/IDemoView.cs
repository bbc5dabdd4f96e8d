using AgentGuard.Http;

namespace AgentGuard.Demo;

/// <summary>How the run is shown: a live Spectre.Console view in a terminal, plain lines when the output is redirected.</summary>
internal interface IDemoView
{
    /// <summary>Runs the agents while the view shows them.</summary>
    Task ShowAsync(Func<Task> agents);

    void Called(int agent, int turn, int outputTokens);

    void Warning(BudgetWarning warning);

    void Stopped(int agent, int turns, string reason);
}
