using System.ClientModel;
using System.ClientModel.Primitives;
using System.Globalization;
using AgentGuard.FakeOpenAI;
using AgentGuard.Http;
using Microsoft.Extensions.DependencyInjection;
using OpenAI;
using OpenAI.Chat;

// A runaway agent loop: several agents call the model turn after turn and never stop on their own.
// The budget stops them. By default it runs against a local fake OpenAI server (no key, no network,
// no cost); with --real and OPENAI_API_KEY set it calls the real API and spends real money.
var culture = CultureInfo.InvariantCulture;
bool real = args.Contains("--real");
decimal budget = ArgValue("--budget") is { } b ? decimal.Parse(b, culture) : 0.02m;
int agents = ArgValue("--agents") is { } a ? int.Parse(a, culture) : 3;
string model = ArgValue("--model") ?? "gpt-4o-mini";

string? apiKey = Environment.GetEnvironmentVariable("OPENAI_API_KEY");
if (real && string.IsNullOrEmpty(apiKey))
{
    Console.Error.WriteLine("--real needs OPENAI_API_KEY to be set.");
    return 2;
}

await using var fake = real ? null : await FakeOpenAIServer.StartAsync(new FakeBehavior
{
    // The fake bills every call at the most its request allows: the worst case the guard reserves for.
    OutputMode = FakeOutputMode.WorstCase,
    ResponseDelay = TimeSpan.FromMilliseconds(30),
});
Console.WriteLine(real
    ? $"Calling the real OpenAI API with a ${budget} budget."
    : $"Calling a local fake OpenAI server ({fake!.BaseUrl}) with a ${budget} budget. Use --real to call the real API.");

var services = new ServiceCollection();
services.AddHttpClient("openai").AddAgentGuard(o =>
{
    o.BudgetUsd = budget;
    o.OnWarning = w => Console.WriteLine($"  ⚠ {w.Threshold}% of the budget used: ${w.Spent:0.0000} spent, ${w.Remaining:0.0000} left");
    o.OnBudgetExceeded = e => Console.WriteLine($"  ⛔ refused before sending: {e.Message}");
});
await using var provider = services.BuildServiceProvider();
var session = provider.GetRequiredKeyedService<BudgetedSession>("openai");
var openai = new OpenAIClient(
    new ApiKeyCredential(real ? apiKey! : "sk-fake"),
    new OpenAIClientOptions
    {
        Endpoint = real ? null : fake!.BaseUrl,
        Transport = new HttpClientPipelineTransport(provider.GetRequiredService<IHttpClientFactory>().CreateClient("openai")),
    });
var chat = openai.GetChatClient(model);
var options = new ChatCompletionOptions { MaxOutputTokenCount = 500 };

await Task.WhenAll(Enumerable.Range(1, agents).Select(RunAgent));

var summary = session.GetSummary();
Console.WriteLine();
Console.WriteLine($"Budget ${summary.Budget}: spent ${summary.Spent:0.000000} ({summary.UtilizationPercent:0.0}%), " +
    $"{summary.Calls} calls sent, {summary.RefusedCalls} refused, ${summary.Remaining:0.000000} left.");
foreach (var (name, spent) in summary.SpendByModel)
{
    Console.WriteLine($"  {name}: ${spent:0.000000}");
}

if (fake is not null)
{
    Console.WriteLine($"The fake server billed ${fake.Meter.TotalBilledUsd:0.000000} for {fake.Meter.BilledRequests} calls: never more than the budget.");
}

return 0;

async Task RunAgent(int id)
{
    for (int turn = 1; ; turn++)
    {
        try
        {
            // A real agent would feed the answer back in; this one just keeps going.
            ChatCompletion reply = await chat.CompleteChatAsync([new UserChatMessage($"Agent {id}, turn {turn}: what next?")], options);
            Console.WriteLine($"agent {id} · turn {turn,3} · {reply.Usage.OutputTokenCount,4} tokens out · spent ${session.GetTotalSpent():0.000000} of ${budget}");
        }
        catch (BudgetExceededException)
        {
            Console.WriteLine($"agent {id} · stopped by the budget after {turn - 1} turns");
            return;
        }
    }
}

string? ArgValue(string name) => Array.IndexOf(args, name) is int i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
