using AgentGuard.Http.Ledgers.Benchmarks;
using BenchmarkDotNet.Running;

// `probe ...` runs a plain timed loop with the store's own counters, for profiling (see docs/ledger-benchmarks.md);
// anything else goes to BenchmarkDotNet, every benchmark in this process by default.
if (args is ["probe", .. var probeArgs])
{
    return await Probe.RunAsync(probeArgs);
}

var summaries = BenchmarkSwitcher.FromAssembly(typeof(LedgerBenchConfig).Assembly).Run(args, LedgerBenchConfig.Create(args)).ToList();

// A failed case (an exception in a pair or a setup, a store that cannot be started) fails the run, and so does a filter
// that selects nothing: CI relies on the exit code.
bool failed = summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Length != s.BenchmarksCases.Length || s.Reports.Any(r => !r.Success));
bool filtered = args.Any(a => a is "--filter" or "-f" or "--anyCategories" or "--allCategories");
if (filtered && !summaries.Any(s => s.Reports.Length > 0))
{
    Console.Error.WriteLine("No benchmark ran.");
    failed = true;
}

return failed ? 1 : 0;
