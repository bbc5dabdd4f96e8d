using System.ClientModel;
using System.ClientModel.Primitives;
using AgentGuard.Demo;
using AgentGuard.FakeOpenAI;
using AgentGuard.Http;
using Microsoft.Extensions.DependencyInjection;
using OpenAI;
using Spectre.Console;

// Runaway agents: several agents call the model turn after turn and never stop on their own. The budget stops them.
// By default they call a local fake OpenAI server (no key, no network, no cost) that bills every call at the worst
// case its request allows; with --real AND OPENAI_API_KEY set they call the real API and spend real money.
if (DemoOptions.WantsHelp(args))
{
    Console.WriteLine(DemoOptions.Help);
    return 0;
}

DemoOptions options;
try
{
    options = DemoOptions.Parse(args);
}
catch (FormatException ex)
{
    Console.Error.WriteLine($"{ex.Message}\n{DemoOptions.Usage}");
    return 2;
}

string? apiKey = Environment.GetEnvironmentVariable("OPENAI_API_KEY");
if (options.Real && string.IsNullOrEmpty(apiKey))
{
    Console.Error.WriteLine("--real needs OPENAI_API_KEY to be set.");
    return 2;
}

if (options.SqlitePath is { } file && !Directory.Exists(Path.GetDirectoryName(file)))
{
    Console.Error.WriteLine($"The directory of {file} does not exist.");
    return 2;
}

bool live = !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;

// The fake bills every call at the most its request allows: the worst case the guard reserves for. Its latency (and
// the agents' pauses) only pace the live view; logs need no pacing.
await using var fake = options.Real ? null : await FakeOpenAIServer.StartAsync(new FakeBehavior
{
    OutputMode = FakeOutputMode.WorstCase,
    ResponseDelay = TimeSpan.FromMilliseconds(live ? 100 : 30),
});

DemoState? state = null;
IDemoView? view = null;
var services = new ServiceCollection();
services.AddHttpClient("openai").AddAgentGuard(o =>
{
    o.BudgetUsd = options.BudgetUsd;
    o.BudgetName = "demo";
    o.OnWarning = w => view?.Warning(w);
});
if (options.SqlitePath is { } path)
{
    services.AddAgentGuardBudget("demo").UseSqliteLedger(path);
}

await using var provider = services.BuildServiceProvider();
var session = provider.GetRequiredKeyedService<BudgetedSession>("demo");
state = new DemoState(options.Agents, session.GetBudget());
string where = options.Real ? "the real OpenAI API" : $"a local fake OpenAI server ({fake!.BaseUrl})";
string title = $"{options.Agents} runaway agents · {options.Model} · ${state.BudgetUsd} budget · {where}";
view = live ? new LiveView(state, title, AgentGuardOptions.DefaultWarningThresholds) : new PlainView(state);
Console.WriteLine(options.Real
    ? $"Calling the real OpenAI API with a ${state.BudgetUsd} budget."
    : $"Calling {where} with a ${state.BudgetUsd} budget. Use --real (with OPENAI_API_KEY set) to call the real API.");
if (!options.Real && !string.IsNullOrEmpty(apiKey))
{
    Console.WriteLine("OPENAI_API_KEY is set but not used: real calls need --real as well.");
}

var openai = new OpenAIClient(
    new ApiKeyCredential(options.Real ? apiKey! : "sk-fake"),
    new OpenAIClientOptions
    {
        Endpoint = options.Real ? null : fake!.BaseUrl,
        Transport = new HttpClientPipelineTransport(provider.GetRequiredService<IHttpClientFactory>().CreateClient("openai")),
    });
var agents = new Agents(openai.GetChatClient(options.Model), session, state, view);

using var interrupt = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // The first Ctrl+C stops the agents and still prints the summary.
    e.Cancel = true;
    interrupt.Cancel();
};
try
{
    await view.ShowAsync(() => agents.RunAsync(options.Agents, TimeSpan.FromMilliseconds(live ? 250 : 20), interrupt.Token));
}
catch (AgentGuardException ex) when (ex is UnknownModelPriceException or UnboundedRequestException)
{
    // A model without a price, for example: the guard refused the first call, and says what to do.
    Console.Error.WriteLine($"AgentGuard.Demo: {ex.Message}");
    return 2;
}

Summary.Write(await session.GetSummaryAsync(), fake, options.SqlitePath);
return agents.AnyFailed ? 1 : 0;
