namespace AgentGuard.Http.Ledgers;

/// <summary>What a <see cref="LedgerOperation"/> does.</summary>
public enum LedgerOperationKind
{
    /// <summary>A reservation (<see cref="IBudgetLedger.ReserveAsync"/>): <see cref="LedgerOperation.Reservation"/> says what.</summary>
    Reserve = 0,

    /// <summary>A commit or release (<see cref="IBudgetLedger.SettleAsync"/>): <see cref="LedgerOperation.Settlement"/> says what.</summary>
    Settle = 1,

    /// <summary>A heartbeat (<see cref="IBudgetLedger.ExtendAsync"/>): <see cref="LedgerOperation.LeaseDuration"/> from now.</summary>
    Extend = 2,
}
