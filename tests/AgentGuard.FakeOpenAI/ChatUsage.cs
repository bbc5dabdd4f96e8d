namespace AgentGuard.FakeOpenAI;

/// <summary>The usage the fake reports and bills for one request, decided before it answers. AudioCompletionTokens are a
/// part of CompletionTokens (not of the reasoning or rejected prediction tokens), billed at the audio output price.</summary>
internal sealed record ChatUsage(
    int PromptTokens,
    int CachedTokens,
    int CompletionTokens,
    int ReasoningTokens,
    int RejectedPredictionTokens,
    string FinishReason,
    string Tier,
    int ImageTokens = 0,
    int AudioCompletionTokens = 0)
{
    public static ChatUsage Plan(ChatRequest request, FakeBehavior behavior, string tier)
    {
        // The largest output the request allows: its own limit, else the model's, never past the context window.
        var cap = Math.Min(request.MaxTokens ?? request.Price.MaxOutput, request.Price.ContextWindow - request.PromptTokens);
        cap = Math.Max(cap, 0);

        int perChoice, rejectedPerChoice;
        string finish;
        if (behavior.OutputMode == FakeOutputMode.WorstCase)
        {
            perChoice = cap + request.PredictionTokens;
            rejectedPerChoice = request.PredictionTokens;
            finish = "length";
        }
        else
        {
            var wanted = Math.Max(behavior.ShortCompletionTokens, 0);
            perChoice = Math.Min(cap, wanted);
            rejectedPerChoice = 0;
            finish = cap <= wanted ? "length" : "stop";
        }

        var completion = perChoice * request.Choices;
        var rejected = rejectedPerChoice * request.Choices;
        var reasoning = Math.Clamp(behavior.ReasoningTokens, 0, completion - rejected);
        return new ChatUsage(
            request.PromptTokens,
            Math.Clamp(behavior.CachedTokens, 0, request.PromptTokens),
            completion,
            reasoning,
            rejected,
            finish,
            tier,
            request.ImageTokens,
            AudioTokens(request, behavior, completion - rejected - reasoning));
    }

    /// <summary>Of the completion tokens that can be audio: in WorstCase all when audio output costs at least as much as
    /// text output, else none (the most expensive mix); in Short half, rounded up.</summary>
    private static int AudioTokens(ChatRequest request, FakeBehavior behavior, int available)
    {
        if (request.Audio is not { } audio || available <= 0)
        {
            return 0;
        }

        if (behavior.OutputMode == FakeOutputMode.WorstCase)
        {
            var textOutput = request.Price.LongContext is { } lc && request.PromptTokens > lc.AbovePromptTokens ? lc.Output : request.Price.Output;
            return audio.Output >= textOutput ? available : 0;
        }

        return (available + 1) / 2;
    }

    /// <summary>The tier the response reports and the meter bills.</summary>
    public static string ReportedTier(ChatRequest request, FakeBehavior behavior) =>
        behavior.ReportedServiceTier
        ?? (request.ServiceTier is "default" or "flex" or "priority" ? request.ServiceTier : "default");
}
