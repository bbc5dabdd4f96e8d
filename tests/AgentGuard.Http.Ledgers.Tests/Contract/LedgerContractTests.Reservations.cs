namespace AgentGuard.Http.Ledgers.Tests.Contract;

public abstract partial class LedgerContractTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Reserve_IsGrantedOnlyWhenSpentPlusReservedPlusAmountFitsTheLimit(bool async)
    {
        Assert.True((await Reserve(async, "a", 600)).Granted);
        await Commit(async, "a", 300);
        Assert.True((await Reserve(async, "b", 500)).Granted);

        var refused = await Reserve(async, "c", 201);
        var exact = await Reserve(async, "d", 200);

        Assert.False(refused.Granted);
        Assert.Equal(Budget, refused.Pool.Key);
        Assert.Equal((1_000, 300, 500), (refused.Pool.LimitMicros, refused.Pool.SpentMicros, refused.Pool.ReservedMicros));
        Assert.True(exact.Granted);
        var state = await State(async);
        Assert.Equal((300L, 700L, 0L), (state.SpentMicros, state.ReservedMicros, state.RemainingMicros));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Reserve_Refused_ChangesNothing_AndCountsTheRefusalOnlyWhenAsked(bool async)
    {
        Assert.True((await Reserve(async, "a", 900)).Granted);

        Assert.False((await Reserve(async, "b", 200, countRefusal: false)).Granted);
        Assert.False((await Reserve(async, "c", 200)).Granted);

        var state = await State(async);
        Assert.Equal((0L, 900L, 1L), (state.SpentMicros, state.ReservedMicros, state.RefusedCalls));
        Assert.Equal(SettlementStatus.UnknownLease, (await Commit(async, "c", 10)).Status);
        Assert.Equal(900, (await State(async)).ReservedMicros);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Reserve_SeveralPools_IsAllOrNothing(bool async)
    {
        var root = Pool(limit: 10_000);
        var tenant = Pool("tenant:1", limit: 500);
        var agent = Pool("tenant:1/agent:7", limit: 5_000);
        Assert.True((await Reserve(async, "a", 400, pools: [root, tenant, agent])).Granted);

        var refused = await Reserve(async, "b", 200, pools: [root, tenant, agent]);

        Assert.False(refused.Granted);
        Assert.Equal(tenant.Key, refused.Pool.Key);
        Assert.Equal(400, (await State(async, root)).ReservedMicros);
        Assert.Equal(400, (await State(async, tenant)).ReservedMicros);
        Assert.Equal(400, (await State(async, agent)).ReservedMicros);

        await Commit(async, "a", 250);
        foreach (var pool in new[] { root, tenant, agent })
        {
            var state = await State(async, pool);
            Assert.Equal((250L, 0L), (state.SpentMicros, state.ReservedMicros));
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Reserve_SameLeaseIdTwice_ReservesOnce(bool async)
    {
        Assert.True((await Reserve(async, "a", 600)).Granted);
        Assert.True((await Reserve(async, "a", 600)).Granted);

        Assert.Equal(600, (await State(async)).ReservedMicros);
    }

    [Theory]
    [InlineData(false, 150)]
    [InlineData(true, 400)]
    [InlineData(false, 1_500)]
    public async Task Commit_MovesTheReservationToSpentAtTheActualCost_EvenAboveIt(bool async, long actual)
    {
        Assert.True((await Reserve(async, "a", 400)).Granted);

        var result = await Commit(async, "a", actual);

        Assert.Equal(SettlementStatus.Settled, result.Status);
        var pool = Assert.Single(result.Pools);
        Assert.Equal((Budget, actual, 0L), (pool.Key, pool.SpentMicros, pool.ReservedMicros));
        Assert.Equal(actual, (await State(async)).SpentMicros);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Release_FreesTheReservation(bool async)
    {
        Assert.True((await Reserve(async, "a", 400)).Granted);

        var result = await Release(async, "a");

        Assert.Equal(SettlementStatus.Settled, result.Status);
        var state = await State(async);
        Assert.Equal((0L, 0L), (state.SpentMicros, state.ReservedMicros));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Settlements_AreIdempotent(bool async)
    {
        Assert.True((await Reserve(async, "a", 400)).Granted);
        await Commit(async, "a", 300);

        var again = await Commit(async, "a", 300);
        var release = await Release(async, "a");

        Assert.Equal(SettlementStatus.AlreadySettled, again.Status);
        Assert.Equal(SettlementStatus.AlreadySettled, release.Status);
        var state = await State(async);
        Assert.Equal((300L, 0L), (state.SpentMicros, state.ReservedMicros));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Settle_UnknownLease_ChangesNothing(bool async)
    {
        var result = await Commit(async, "never-reserved", 100);

        Assert.Equal(SettlementStatus.UnknownLease, result.Status);
        Assert.Equal(0, (await State(async)).SpentMicros);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ExpiredLease_IsChargedInFull_NeverReleased(bool async)
    {
        Assert.True((await Reserve(async, "a", 700, ShortLease)).Granted);

        await LetShortLeaseExpireAsync();

        var state = await State(async);
        Assert.Equal((700L, 0L), (state.SpentMicros, state.ReservedMicros));
        Assert.False((await Reserve(async, "b", 400)).Granted);
    }

    [Theory]
    [InlineData(false, 250)]
    [InlineData(true, 0)]
    public async Task LateSettlement_OfAnExpiredLease_RefundsDownToTheActualCost(bool async, long actual)
    {
        Assert.True((await Reserve(async, "a", 700, ShortLease)).Granted);
        await LetShortLeaseExpireAsync();

        var result = actual == 0 ? await Release(async, "a") : await Commit(async, "a", actual);

        Assert.Equal(SettlementStatus.SettledAfterExpiry, result.Status);
        Assert.Equal(actual, (await State(async)).SpentMicros);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Extend_KeepsALeaseAlive_AndFailsForSettledLeases(bool async)
    {
        Assert.True((await Reserve(async, "a", 300, ShortLease)).Granted);
        Assert.True((await Reserve(async, "b", 200, ShortLease)).Granted);

        Assert.True(await Extend(async, "a", LongLease));
        await LetShortLeaseExpireAsync();

        var state = await State(async);
        Assert.Equal((200L, 300L), (state.SpentMicros, state.ReservedMicros));
        Assert.False(await Extend(async, "b", LongLease));
        await Commit(async, "a", 100);
        Assert.False(await Extend(async, "a", LongLease));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Reset_ZeroesSpent_KeepsReservations_WhichSettleIntoTheResetPool(bool async)
    {
        Assert.True((await Reserve(async, "done", 300)).Granted);
        await Commit(async, "done", 300);
        Assert.True((await Reserve(async, "inflight", 200)).Granted);

        await Reset(async);

        var state = await State(async);
        Assert.Equal((0L, 200L), (state.SpentMicros, state.ReservedMicros));
        await Commit(async, "inflight", 150);
        state = await State(async);
        Assert.Equal((150L, 0L), (state.SpentMicros, state.ReservedMicros));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Reset_ZeroesTheRefusedCalls_AsTheSessionsResetDoes(bool async)
    {
        Assert.True((await Reserve(async, "a", 900)).Granted);
        Assert.False((await Reserve(async, "b", 200)).Granted);
        Assert.Equal(1L, (await State(async)).RefusedCalls);

        await Reset(async);

        var state = await State(async);
        Assert.Equal((0L, 900L, 0L), (state.SpentMicros, state.ReservedMicros, state.RefusedCalls));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Warnings_AreClaimedOncePerThreshold_UntilReset(bool async)
    {
        await State(async);

        Assert.True(await ClaimWarning(async, 80m));
        Assert.False(await ClaimWarning(async, 80m));
        Assert.True(await ClaimWarning(async, 95m));
        await Reset(async);

        Assert.True(await ClaimWarning(async, 80m));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TheSeedLimitCreatesAPool_AfterwardsTheStoredLimitWins(bool async)
    {
        Assert.Equal(1_000, (await State(async, Pool(limit: 1_000))).LimitMicros);

        Assert.Equal(1_000, (await State(async, Pool(limit: 5_000))).LimitMicros);
        Assert.False((await Reserve(async, "a", 2_000, pools: [Pool(limit: 5_000)])).Granted);

        var set = await Ledger.SetLimitAsync(Budget, 5_000, Ct);
        Assert.Equal(5_000, set.LimitMicros);
        Assert.Equal(5_000, (await State(async, Pool(limit: 1_000))).LimitMicros);
        Assert.True((await Reserve(async, "b", 2_000, pools: [Pool(limit: 1_000)])).Granted);
    }

    [Fact]
    public async Task ListPools_ReturnsThePoolsOfAPrefix_OrderedByKey()
    {
        var tenant = Pool("tenant:2", limit: 300);
        var window = new BudgetPool($"{Budget}@2026-11", 700);
        await State(false, tenant);
        await State(true, Pool());
        await State(false, window);

        var pools = await Ledger.ListPoolsAsync(Budget, Ct);

        Assert.Equal([Budget, tenant.Key, window.Key], pools.Select(p => p.Key).Order(StringComparer.Ordinal));
        Assert.Equal(pools.Select(p => p.Key).Order(StringComparer.Ordinal), pools.Select(p => p.Key));
        Assert.Equal(300, pools.Single(p => p.Key == tenant.Key).LimitMicros);
    }

    [Fact]
    public async Task SpendLog_RecordsEverySettlement_WithItsDetails()
    {
        var before = DateTimeOffset.UtcNow.AddMinutes(-1);
        Assert.True((await Reserve(true, "usage", 400)).Granted);
        Assert.True((await Reserve(false, "full", 300)).Granted);
        Assert.True((await Reserve(true, "released", 200)).Granted);
        await Settle(true, "usage", 123, new SpendDetails(SpendOutcome.SettledFromUsage, "gpt-4o-mini", 1_000, 200, 50));
        await Settle(false, "full", 300, new SpendDetails(SpendOutcome.ChargedInFull, "gpt-4o"));
        await Settle(true, "released", null, new SpendDetails(SpendOutcome.Released, "o3"));

        var log = await Ledger.ReadSpendLogAsync(new SpendLogQuery(Budget), Ct);

        Assert.Equal([SpendOutcome.SettledFromUsage, SpendOutcome.ChargedInFull, SpendOutcome.Released], log.Select(e => e.Outcome));
        var usage = log[0];
        Assert.Equal((Key("usage"), "gpt-4o-mini", 1_000L, 200L, 50L, 123L, 400L), (usage.LeaseId, usage.Model, usage.InputTokens, usage.CachedInputTokens, usage.OutputTokens, usage.CostMicros, usage.ReservedMicros));
        Assert.Equal([Budget], usage.Pools);
        Assert.Equal(["openai", "openai", "openai"], log.Select(e => e.Provider));
        Assert.True(usage.Timestamp >= before && usage.Timestamp <= DateTimeOffset.UtcNow.AddMinutes(1) || FastExpiry, $"timestamp {usage.Timestamp}");
        Assert.Equal(300, log[1].CostMicros);
        Assert.Equal(0, log[2].CostMicros);
        Assert.Equal(log.Sum(e => e.CostMicros), (await State(true)).SpentMicros);
    }

    [Fact]
    public async Task SpendLog_RecordsExpiredLeases_AndTheLateSettlementThatRefundsThem()
    {
        Assert.True((await Reserve(true, "slow", 500, ShortLease)).Granted);
        await LetShortLeaseExpireAsync();
        await State(true);
        await Settle(true, "slow", 100, new SpendDetails(SpendOutcome.SettledFromUsage, "gpt-4o-mini", 10, 0, 10));

        var log = await Ledger.ReadSpendLogAsync(new SpendLogQuery(Budget), Ct);

        Assert.Equal([SpendOutcome.LeaseExpired, SpendOutcome.SettledFromUsage], log.Select(e => e.Outcome));
        Assert.Equal([500L, -400L], log.Select(e => e.CostMicros));
        Assert.Equal("gpt-4o-mini", log[0].Model);
        Assert.Equal(["openai", "openai"], log.Select(e => e.Provider));
        Assert.Equal(100, (await State(true)).SpentMicros);
    }

    [Fact]
    public async Task SpendLog_KeepsEachLeasesProvider_BesideTheModel_ThroughEverySettlement()
    {
        // Leases of different providers reserved together (one batch where the ledger batches), then settled each
        // its own way: the provider comes from the lease, the model from the settlement when it names one.
        string[] providers = ["anthropic", "azure.ai.openai", "google.gemini", ""];
        await Task.WhenAll(providers.Select((provider, i) => Task.Run(async () =>
        {
            var request = new ReservationRequest(Key($"p{i}"), [Pool()], 100, i == 3 ? ShortLease : LongLease)
            {
                Provider = provider.Length == 0 ? null : provider,
                Model = $"model-{i}",
            };
            Assert.True((i % 2 == 0 ? await Ledger.ReserveAsync(request, Ct) : Ledger.Reserve(request)).Granted);
        }, Ct)));
        await Settle(true, "p0", 40, new SpendDetails(SpendOutcome.SettledFromUsage, "claude-sonnet-4-5", 10, 0, 5));
        await Release(false, "p1");
        await Settle(false, "p2", 100, SpendDetails.Of(SpendOutcome.ChargedInFull));
        await LetShortLeaseExpireAsync();
        await State(true);

        var log = await Ledger.ReadSpendLogAsync(new SpendLogQuery(Budget), Ct);

        var byLease = log.ToDictionary(e => e.LeaseId);
        Assert.Equal(4, byLease.Count);
        Assert.Equal(("anthropic", "claude-sonnet-4-5", SpendOutcome.SettledFromUsage), (byLease[Key("p0")].Provider, byLease[Key("p0")].Model, byLease[Key("p0")].Outcome));
        Assert.Equal(("azure.ai.openai", "model-1", SpendOutcome.Released), (byLease[Key("p1")].Provider, byLease[Key("p1")].Model, byLease[Key("p1")].Outcome));
        Assert.Equal(("google.gemini", "model-2", SpendOutcome.ChargedInFull), (byLease[Key("p2")].Provider, byLease[Key("p2")].Model, byLease[Key("p2")].Outcome));
        Assert.Equal(((string?)null, "model-3", SpendOutcome.LeaseExpired), (byLease[Key("p3")].Provider, byLease[Key("p3")].Model, byLease[Key("p3")].Outcome));
    }

    [Fact]
    public async Task SpendLog_Query_FiltersByPoolPrefix_AndKeepsTheNewestWithinTheLimit()
    {
        var other = new BudgetPool(Budget + "x", 1_000);
        for (int i = 0; i < 5; i++)
        {
            Assert.True((await Reserve(true, $"l{i}", 10)).Granted);
            await Settle(true, $"l{i}", i, new SpendDetails(SpendOutcome.SettledFromUsage, "gpt-4o-mini"));
        }

        Assert.True((await Reserve(true, "other", 10, pools: [other])).Granted);
        await Settle(true, "other", 7, new SpendDetails(SpendOutcome.SettledFromUsage, "gpt-4o-mini"));

        var mine = await Ledger.ReadSpendLogAsync(new SpendLogQuery($"{Budget}x"), Ct);
        var newest = await Ledger.ReadSpendLogAsync(new SpendLogQuery(Budget, Limit: 2), Ct);
        var none = await Ledger.ReadSpendLogAsync(new SpendLogQuery(Budget, Since: DateTimeOffset.UtcNow.AddYears(5)), Ct);

        Assert.Equal([7L], mine.Select(e => e.CostMicros));
        Assert.Equal([4L, 7L], newest.Select(e => e.CostMicros));
        Assert.Empty(none);
    }

    [Fact]
    public async Task Sweep_AppliesExpiryWithoutAnyOtherOperation()
    {
        Assert.True((await Reserve(true, "a", 100, ShortLease)).Granted);
        Assert.True((await Reserve(true, "b", 200, ShortLease)).Granted);
        await LetShortLeaseExpireAsync();

        int expired = await Ledger.SweepExpiredAsync(Ct);

        Assert.True(expired >= 2, $"expired {expired}");
        Assert.Equal(300, (await State(true)).SpentMicros);
    }

    [Fact]
    public async Task Ping_SucceedsWhenTheStoreIsReachable()
    {
        await Ledger.PingAsync(Ct);

        Assert.Equal(0, (await State(true)).SpentMicros);
    }

    [Fact]
    public async Task ConcurrentCallers_NeverReserveMoreThanTheLimit()
    {
        var pool = Pool(limit: 10_000);
        long maxSeen = 0;
        var callers = Enumerable.Range(0, 8).Select(c => Task.Run(async () =>
        {
            for (int i = 0; i < 40; i++)
            {
                bool async = (c + i) % 2 == 0;
                var result = await Reserve(async, $"c{c}-{i}", 700, pools: [pool]);
                var state = await State(async, pool);
                Interlocked.Exchange(ref maxSeen, Math.Max(Interlocked.Read(ref maxSeen), state.SpentMicros + state.ReservedMicros));
                if (result.Granted)
                {
                    await Commit(async, $"c{c}-{i}", 500);
                }
            }
        }, Ct)).ToList();

        await Task.WhenAll(callers);

        var final = await State(true, pool);
        Assert.True(maxSeen <= 10_000, $"spent + reserved reached {maxSeen}");
        Assert.Equal(0, final.ReservedMicros);
        Assert.True(final.SpentMicros is > 9_000 and <= 10_000, $"spent {final.SpentMicros}");
        Assert.Equal(0, final.SpentMicros % 500);
    }
}
