using System.Globalization;
using System.Text;
using AgentGuard.Http;
using AgentGuard.Http.Worker;

// Usage: worker --store sqlite|redis|postgres --connection <...> --server <base url> --budget <name> --limit <usd>
//               [--agents 4] [--lease-seconds 3] [--pause-at none|AfterReserve|InRequest|AfterCommit] [--pause-every 10]
//               [--max-seconds 60]
// Prints READY, then POINT lines where it pauses, then DONE calls=<n> refused=<n>.
var arguments = Arguments.Parse(args);
var store = arguments.Required("--store");
var connection = arguments.Required("--connection");
var server = new Uri(arguments.Required("--server"));
var options = new AgentGuardOptions
{
    BudgetName = arguments.Required("--budget"),
    BudgetUsd = decimal.Parse(arguments.Required("--limit"), CultureInfo.InvariantCulture),
    LeaseDuration = TimeSpan.FromSeconds(double.Parse(arguments.Optional("--lease-seconds") ?? "3", CultureInfo.InvariantCulture)),
};
int agents = int.Parse(arguments.Optional("--agents") ?? "4", CultureInfo.InvariantCulture);
var pauseAt = Enum.Parse<PausePoint>(arguments.Optional("--pause-at") ?? "None", ignoreCase: true);
int pauseEvery = int.Parse(arguments.Optional("--pause-every") ?? "10", CultureInfo.InvariantCulture);
var deadline = DateTime.UtcNow.AddSeconds(double.Parse(arguments.Optional("--max-seconds") ?? "60", CultureInfo.InvariantCulture));

var ledger = Stores.Open(store, connection);
var session = BudgetedSession.Create(options, ledger);
int calls = 0, refused = 0;
bool IsChosenCall() => Interlocked.Increment(ref calls) % pauseEvery == 0;
var guard = new BudgetGuardHandler(session, options)
{
    InnerHandler = new PauseHandler(PausePoint.AfterReserve, pauseAt, IsChosenCall) { InnerHandler = new SocketsHttpHandler() },
};
using var http = new HttpClient(new PauseHandler(PausePoint.AfterCommit, pauseAt, IsChosenCall) { InnerHandler = guard })
{
    BaseAddress = server,
    Timeout = TimeSpan.FromSeconds(60),
};
Output.Line("READY");
await Task.WhenAll(Enumerable.Range(0, agents).Select(agent => Task.Run(async () =>
{
    for (int turn = 0; DateTime.UtcNow < deadline; turn++)
    {
        var body = $$"""{"model":"gpt-4o-mini","max_tokens":200,"messages":[{"role":"user","content":"worker {{Environment.ProcessId}} agent {{agent}} turn {{turn}}"}]}""";
        try
        {
            using var response = await http.PostAsync(new Uri("chat/completions", UriKind.Relative), new StringContent(body, Encoding.UTF8, "application/json"));
            _ = await response.Content.ReadAsStringAsync();
        }
        catch (BudgetExceededException)
        {
            Interlocked.Increment(ref refused);
            await Task.Delay(50);
            if (session.GetReserved() == 0)
            {
                // Refused with nothing in flight here: the budget is spent (or held by other processes' leases).
                await Task.Delay(200);
                if (session.GetRemainingBudget() < 0.0002m)
                {
                    return;
                }
            }
        }
        catch (BudgetLedgerUnavailableException)
        {
            // The store restarts mid-run: refused (fail closed), try again shortly.
            await Task.Delay(100);
        }
        catch (HttpRequestException)
        {
            await Task.Delay(50);
        }
    }
})));

Output.Line($"DONE calls={calls} refused={refused}");
return 0;

internal sealed class Arguments(Dictionary<string, string> values)
{
    public static Arguments Parse(string[] args) =>
        new(Enumerable.Range(0, args.Length / 2).ToDictionary(i => args[2 * i], i => args[(2 * i) + 1], StringComparer.Ordinal));

    public string Required(string name) => values.TryGetValue(name, out var value) ? value : throw new ArgumentException($"{name} is required.");

    public string? Optional(string name) => values.GetValueOrDefault(name);
}
