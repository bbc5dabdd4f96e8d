using AgentGuard.Cli.Output;
using AgentGuard.Http;

namespace AgentGuard.Cli.Status;

/// <summary>One pool as <c>status</c> shows it (and as <c>--json</c> writes it).</summary>
internal sealed record PoolStatus(
    string Key,
    string Budget,
    string? Scope,
    string? Window,
    long LimitMicros,
    long SpentMicros,
    long ReservedMicros,
    long RemainingMicros,
    decimal LimitUsd,
    decimal SpentUsd,
    decimal ReservedUsd,
    decimal RemainingUsd,
    double UtilizationPercent,
    long RefusedCalls,
    bool Exhausted)
{
    public static PoolStatus From(BudgetPoolState state)
    {
        var key = PoolKey.Of(state.Key);
        return new PoolStatus(
            state.Key,
            key.Budget,
            key.Scope,
            key.Window,
            state.LimitMicros,
            state.SpentMicros,
            state.ReservedMicros,
            state.RemainingMicros,
            Money.ToUsd(state.LimitMicros),
            Money.ToUsd(state.SpentMicros),
            Money.ToUsd(state.ReservedMicros),
            Money.ToUsd(state.RemainingMicros),
            UtilizationBar.Percent(state.SpentMicros + state.ReservedMicros, state.LimitMicros),
            state.RefusedCalls,
            // Nothing left: every call drawing from this pool is refused now.
            Exhausted: state.RemainingMicros == 0);
    }
}
