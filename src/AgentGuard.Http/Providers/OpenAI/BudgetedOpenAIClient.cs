using System.ClientModel;
using OpenAI;

namespace AgentGuard.Http;

/// <summary>
/// An <see cref="OpenAIClient"/> whose calls are guarded by a budget, returned by <see cref="BudgetedSession.OpenAI"/>.
/// Everything it creates (chat, responses, embeddings clients) sends through the guard.
/// </summary>
public sealed class BudgetedOpenAIClient : OpenAIClient
{
    internal BudgetedOpenAIClient(ApiKeyCredential credential, OpenAIClientOptions options, BudgetedSession session)
        : base(credential, options)
    {
        Session = session;
    }

    /// <summary>The budget every call of this client draws from.</summary>
    public BudgetedSession Session { get; }
}
