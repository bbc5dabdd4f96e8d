using System.Globalization;
using AgentGuard.Http.Benchmarks;
using AgentGuard.Http.Benchmarks.Support;
using BenchmarkDotNet.Running;

if (args is ["--describe"])
{
    // The prompts the benchmarks send, for docs/benchmarks.md.
    foreach (int size in new[] { 100, 1_000, 10_000, 100_000 })
    {
        var body = ChatRequests.Body(size, stream: false);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"~{size,7:N0} tokens: {body.Length,9:N0} bytes of body, {ChatRequests.CountTextTokens(body),7:N0} o200k_base tokens of message text"));
    }

    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"event streams: {ChatResponses.Sse(StreamingBenchmarks.LongStreamEvents).Length:N0} bytes ({StreamingBenchmarks.LongStreamEvents:N0} content events), "
        + $"{ChatResponses.Sse(StreamingBenchmarks.ShortStreamEvents).Length:N0} bytes ({StreamingBenchmarks.ShortStreamEvents} content events)"));
    return 0;
}

// Every benchmark runs in this process: no generated projects (minutes each on 2 cores), and a job from --job runs
// in process too.
if (args.Any(a => a is "--job" or "-j") && !args.Any(a => a is "--inProcess" or "-i"))
{
    args = [.. args, "--inProcess"];
}

var summaries = BenchmarkSwitcher.FromAssembly(typeof(BenchConfig).Assembly).Run(args, BenchConfig.Create(args));
return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
