using System.Text;
using AgentGuard.Http.Pricing;
using AgentGuard.Http.Providers.OpenAI;
using AgentGuard.Http.Settlement;

namespace AgentGuard.Http.Tests.Settlement;

/// <summary>A stream whose usage chunk the guard removes passes lines longer than it holds through exactly once.</summary>
public sealed class LongLineStripTests
{
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(10);

    [Theory]
    [InlineData(20_000, 2)]
    [InlineData(20_000, 3)]
    [InlineData(40_000, 5)]
    public async Task ALineLongerThanTheHoldLimit_SplitAcrossReads_ReachesTheCallerOnce(int contentLength, int pieces)
    {
        string content = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + new string('x', contentLength) + "\"}}],\"usage\":null}\n\n";
        string usage = "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":5,\"total_tokens\":15}}\n\n";
        string source = content + usage + "data: [DONE]\n\n";
        var session = BudgetedSession.Create(new AgentGuardOptions { BudgetUsd = 1m, BudgetName = "strip" });
        using var stream = new SseUsageStream(new PiecesStream(Encoding.UTF8.GetBytes(content), pieces, Encoding.UTF8.GetBytes(usage + "data: [DONE]\n\n")), Reservation(session), stripUsageChunk: true, new ChatStreamUsageReader());

        var read = new MemoryStream();
        await stream.CopyToAsync(read, 64 * 1024, TestContext.Current.CancellationToken);

        // The caller sees the long line once, and not the usage chunk the guard asked for.
        Assert.Equal(content + "data: [DONE]\n\n", Encoding.UTF8.GetString(read.ToArray()));
        Assert.True(source.Length > read.Length);
        Assert.Equal(0m, session.GetReserved());
    }

    private static CallReservation Reservation(BudgetedSession session)
    {
        string leaseId = Guid.NewGuid().ToString("N");
        Assert.True(session.Ledger.Reserve(new ReservationRequest(leaseId, session.PoolsFor(null), 100_000, Lease)).Granted);
        Assert.True(PriceTable.Embedded.TryResolve("gpt-4o-mini", out var model));
        return new CallReservation(session, null, "gpt-4o-mini", model, ServiceTier.Standard, leaseId, 100_000, Lease);
    }

    /// <summary>Hands out the first part in <c>pieces</c> reads of equal size, then the rest in one.</summary>
    private sealed class PiecesStream(byte[] first, int pieces, byte[] rest) : Stream
    {
        private readonly Queue<byte[]> _reads = new(Split(first, pieces).Append(rest));

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (!_reads.TryDequeue(out var next))
            {
                return 0;
            }

            Assert.True(next.Length <= count, "the test's reads fit the reader's buffer");
            next.CopyTo(buffer, offset);
            return next.Length;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        private static IEnumerable<byte[]> Split(byte[] bytes, int pieces)
        {
            int size = (bytes.Length + pieces - 1) / pieces;
            for (int start = 0; start < bytes.Length; start += size)
            {
                yield return bytes[start..Math.Min(bytes.Length, start + size)];
            }
        }
    }
}
