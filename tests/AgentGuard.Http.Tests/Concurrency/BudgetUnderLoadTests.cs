using System.Collections.Concurrent;
using System.Globalization;
using AgentGuard.FakeOpenAI;
using AgentGuard.Http.Tests.TestSupport;
using OpenAI.Chat;

namespace AgentGuard.Http.Tests.Concurrency;

/// <summary>
/// Many agents hammer one budget against a server that bills the worst case of every request. The budget is
/// never exceeded, the session never reports less than the server billed, and the budget is used up.
/// </summary>
public sealed class BudgetUnderLoadTests
{
    private const int SyncAgents = 16;
    private const int AsyncAgents = 20;

    private static readonly (string Model, int MaxTokens)[] s_models =
        [("gpt-4o-mini", 400), ("gpt-4.1-nano", 800), ("gpt-5-nano", 1000), ("o4-mini", 300)];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ManyAgents_SyncAndAsync_StreamingAndNot_NeverExceedTheBudget_AndUseItUp()
    {
        const decimal budget = 0.1m;
        await using var h = await GuardHarness.StartAsync(budgetUsd: budget,
            behavior: new FakeBehavior { OutputMode = FakeOutputMode.WorstCase, ResponseDelay = TimeSpan.FromMilliseconds(40), SplitSse = true, SplitSeed = 1 });
        var failures = new ConcurrentQueue<Exception>();

        var threads = Enumerable.Range(0, SyncAgents).Select(i => new Thread(() => RunAgent(h, i, failures)) { IsBackground = true }).ToList();
        threads.ForEach(t => t.Start());
        var tasks = Enumerable.Range(SyncAgents, AsyncAgents).Select(i => Task.Run(() => RunAgentAsync(h, i, failures), Ct)).ToList();
        await Task.WhenAll(tasks);
        threads.ForEach(t => Assert.True(t.Join(TimeSpan.FromMinutes(2)), "a synchronous agent did not finish"));

        Assert.Empty(failures);
        long budgetMicros = GuardHarness.ToMicros(budget);
        long largestReservation = h.Logs.GetSnapshot().Where(r => r.Id.Name == "Reserved")
            .Max(r => GuardHarness.ToMicros(decimal.Parse(r.StructuredState!.Single(s => s.Key == "ReservedUsd").Value!, CultureInfo.InvariantCulture)));
        Assert.True(budgetMicros >= 50 * largestReservation, $"budget {budgetMicros} < 50 x {largestReservation}");

        Assert.True(h.Meter.TotalBilledMicros <= budgetMicros, $"billed {h.Meter.TotalBilledMicros} > budget {budgetMicros}");
        Assert.Equal(h.Meter.TotalBilledMicros, h.SpentMicros);
        Assert.Equal(0, h.ReservedMicros);
        Assert.True(h.Meter.TotalBilledMicros >= budgetMicros * 9 / 10, $"only {h.Meter.TotalBilledMicros} of {budgetMicros} used");
        Assert.True(h.Meter.MaxConcurrentRequests >= 16, $"at most {h.Meter.MaxConcurrentRequests} requests were in flight at once");
        Assert.True(h.Session.GetSummary().RefusedCalls >= SyncAgents + AsyncAgents);
        Assert.Equal(h.Meter.BilledRequests, h.Session.GetSummary().Calls);
        Assert.Empty(h.Errors);
    }

    /// <summary>A synchronous agent: the SDK's synchronous methods on a thread of its own.</summary>
    private static void RunAgent(GuardHarness h, int id, ConcurrentQueue<Exception> failures)
    {
        var (model, maxTokens) = s_models[id % s_models.Length];
        var chat = h.Chat(model);
        var options = new ChatCompletionOptions { MaxOutputTokenCount = maxTokens };
        try
        {
            for (int turn = 0; ; turn++)
            {
                try
                {
                    List<ChatMessage> messages = [new UserChatMessage($"Agent {id}, step {turn}: plan the next step.")];
                    if (id % 2 == 0)
                    {
                        chat.CompleteChat(messages, options, Ct);
                    }
                    else
                    {
                        foreach (var _ in chat.CompleteChatStreaming(messages, options, Ct))
                        {
                        }
                    }
                }
                catch (BudgetExceededException) when (MayRetryRefusal(h))
                {
                    Thread.Sleep(2);
                }
            }
        }
        catch (BudgetExceededException)
        {
            // Refused with nothing in flight: the budget is spent. The agent stops.
        }
        catch (Exception ex)
        {
            failures.Enqueue(ex);
        }
    }

    /// <summary>An asynchronous agent: the SDK's async methods, and raw HttpClient streams without include_usage.</summary>
    private static async Task RunAgentAsync(GuardHarness h, int id, ConcurrentQueue<Exception> failures)
    {
        var (model, maxTokens) = s_models[id % s_models.Length];
        var chat = h.Chat(model);
        var options = new ChatCompletionOptions { MaxOutputTokenCount = maxTokens };
        try
        {
            for (int turn = 0; ; turn++)
            {
                try
                {
                    string prompt = $"Agent {id}, step {turn}: write the next tool call.";
                    switch (id % 3)
                    {
                        case 0:
                            await chat.CompleteChatAsync([new UserChatMessage(prompt)], options, Ct);
                            break;
                        case 1:
                            await foreach (var _ in chat.CompleteChatStreamingAsync([new UserChatMessage(prompt)], options, Ct))
                            {
                            }

                            break;
                        default:
                            using (var response = await h.Http.PostAsync(new Uri("chat/completions", UriKind.Relative),
                                ChatBodies.Json(ChatBodies.Simple(model, prompt, maxTokens, stream: true)), Ct))
                            {
                                string events = await response.Content.ReadAsStringAsync(Ct);
                                Assert.DoesNotContain("\"choices\":[]", events, StringComparison.Ordinal);
                            }

                            break;
                    }
                }
                catch (BudgetExceededException) when (MayRetryRefusal(h))
                {
                    await Task.Delay(2, Ct);
                }
            }
        }
        catch (BudgetExceededException)
        {
        }
        catch (Exception ex)
        {
            failures.Enqueue(ex);
        }
    }

    // An agent refused while others hold reservations tries again: their calls may settle below their reservations.
    private static bool MayRetryRefusal(GuardHarness h) => h.Session.GetReserved() > 0;
}
