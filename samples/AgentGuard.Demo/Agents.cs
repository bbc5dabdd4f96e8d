using System.ClientModel;
using AgentGuard.Http;
using OpenAI.Chat;

namespace AgentGuard.Demo;

/// <summary>Runaway agents: each calls the model turn after turn and never stops on its own. Only the budget stops them.</summary>
internal sealed class Agents(ChatClient chat, BudgetedSession session, DemoState state, IDemoView view)
{
    private static readonly string[] s_tasks =
    [
        "Plan the next step of the migration.", "Research what could go wrong.", "Write the code for the next step.",
        "Review the last change.", "Summarize progress so far.", "Draft the release notes.",
    ];

    private readonly ChatCompletionOptions _options = new() { MaxOutputTokenCount = 500 };

    /// <summary>Whether an agent stopped for another reason than the budget (a real API error).</summary>
    public bool AnyFailed { get; private set; }

    public Task RunAsync(int agents, TimeSpan pause, CancellationToken cancellationToken) =>
        Task.WhenAll(Enumerable.Range(1, agents).Select(id => RunAgentAsync(id, pause, cancellationToken)));

    private async Task RunAgentAsync(int id, TimeSpan pause, CancellationToken cancellationToken)
    {
        // Seeded: the same run every time; the pauses only make the live view readable.
        var random = new Random(id);
        for (int turn = 1; ; turn++)
        {
            try
            {
                // A real agent would feed the answer back in; this one just keeps going.
                string task = s_tasks[(id + turn) % s_tasks.Length];
                ChatCompletion reply = await chat.CompleteChatAsync([new UserChatMessage($"Agent {id}, turn {turn}: {task}")], _options, cancellationToken);
                state.Called(id, reply.Usage.OutputTokenCount, session);
                view.Called(id, turn, reply.Usage.OutputTokenCount);
                await Task.Delay(pause * random.NextDouble(), cancellationToken);
            }
            catch (BudgetExceededException)
            {
                Stop(id, turn - 1, "stopped by the budget");
                return;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                Stop(id, turn - 1, "interrupted");
                return;
            }
            catch (ClientResultException ex)
            {
                AnyFailed = true;
                Stop(id, turn - 1, $"failed: HTTP {ex.Status}");
                return;
            }
        }
    }

    private void Stop(int id, int turns, string reason)
    {
        state.Stopped(id, reason);
        state.Refresh(session);
        view.Stopped(id, turns, reason);
    }
}
