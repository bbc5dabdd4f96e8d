namespace AgentGuard.Http;

/// <summary>
/// The ledger's store could not be reached (after a short retry of transient errors), so the call's cost could not be
/// reserved and it was refused before it was sent: the guard fails closed. <see cref="AgentGuardOptions.FailOpen"/>
/// forwards such calls instead.
/// </summary>
public sealed class BudgetLedgerUnavailableException : AgentGuardException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="ledger">Which store (a description without credentials).</param>
    /// <param name="message">What failed.</param>
    /// <param name="innerException">The store's error.</param>
    public BudgetLedgerUnavailableException(string ledger, string message, Exception? innerException = null)
        : base($"The budget ledger {ledger} is unavailable: {message} The call was not sent.", innerException)
    {
        Ledger = ledger;
    }

    /// <summary>Which store (a description without credentials).</summary>
    public string Ledger { get; }
}
