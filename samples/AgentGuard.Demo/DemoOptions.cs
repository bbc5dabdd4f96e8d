using System.Globalization;

namespace AgentGuard.Demo;

/// <summary>The demo's command line: <c>--budget 0.05 --agents 5 --model gpt-4.1-nano --ledger sqlite:budget.db --real</c>.</summary>
internal sealed record DemoOptions(decimal BudgetUsd, int Agents, string Model, string? SqlitePath, bool Real)
{
    public const string Usage = "usage: AgentGuard.Demo [--budget USD] [--agents N] [--model NAME] [--ledger sqlite:PATH] [--real]";

    public const string Help = Usage + """


        Runaway agents call the model turn after turn until their budget stops them.

          --budget USD          the budget (default 0.02)
          --agents N            how many agents, 1 to 20 (default 3)
          --model NAME          the model the agents call (default gpt-4o-mini); it must have a price
          --ledger sqlite:PATH  keep the budget in a SQLite file: demos started on one file share it
          --real                call the real OpenAI API (needs OPENAI_API_KEY too; spends real money)
          --help, -h            this help
        """;

    /// <summary>Whether the command line asks for the help.</summary>
    public static bool WantsHelp(string[] args) => args.Contains("--help") || args.Contains("-h");

    public static DemoOptions Parse(string[] args)
    {
        var known = new HashSet<string>(StringComparer.Ordinal) { "--budget", "--agents", "--model", "--ledger", "--real" };
        for (int i = 0; i < args.Length; i++)
        {
            if (!known.Contains(args[i]))
            {
                throw new FormatException($"unknown argument '{args[i]}'");
            }

            if (args[i] != "--real")
            {
                i++;
            }
        }

        decimal budget = Value(args, "--budget") is { } b
            ? decimal.TryParse(b, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out decimal usd) && usd > 0 ? usd : throw new FormatException($"--budget must be a positive amount in USD, not '{b}'")
            : 0.02m;
        int agents = Value(args, "--agents") is { } a
            ? int.TryParse(a, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n is >= 1 and <= 20 ? n : throw new FormatException($"--agents must be between 1 and 20, not '{a}'")
            : 3;
        string? sqlite = null;
        if (Value(args, "--ledger") is { } ledger)
        {
            sqlite = ledger.StartsWith("sqlite:", StringComparison.Ordinal) && ledger.Length > "sqlite:".Length
                ? Path.GetFullPath(ledger["sqlite:".Length..])
                : throw new FormatException("--ledger takes sqlite:PATH (the demo shares budgets through a SQLite file)");
        }

        return new DemoOptions(budget, agents, Value(args, "--model") ?? "gpt-4o-mini", sqlite, args.Contains("--real"));
    }

    private static string? Value(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i < 0 ? null : i + 1 < args.Length ? args[i + 1] : throw new FormatException($"{name} needs a value");
    }
}
