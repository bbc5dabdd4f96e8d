using AgentGuard.Http.Benchmarks;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;

// Every benchmark runs in this process (no generated projects): see docs/benchmarks.md for the commands.
return BenchmarkSwitcher.FromAssembly(typeof(BenchConfig).Assembly).Run(args, BenchConfig.Create(args)).Any(s => s.HasCriticalValidationErrors) ? 1 : 0;
