using System.Globalization;

namespace AgentGuard.Http;

/// <summary>The budget cannot cover the worst-case cost of a call, so the call was refused before it was sent.</summary>
public sealed class BudgetExceededException : AgentGuardException
{
    /// <summary>The error code of the synthetic 402 that answers this refusal in <see cref="BudgetRefusalMode.PaymentRequiredResponse"/> mode.</summary>
    internal const string ErrorCode = "budget_exceeded";

    /// <summary>Creates the exception.</summary>
    public BudgetExceededException(string budgetName, decimal budgetUsd, decimal spentUsd, decimal reservedUsd, decimal requiredUsd, string model, string? scope = null, string? window = null)
        : base(Describe($"'{budgetName}'" + (scope is null ? "" : $" (scope {scope})") + (window is null ? "" : $" in window {window}"), budgetUsd, spentUsd, reservedUsd, requiredUsd, model))
    {
        Scope = scope;
        Window = window;
        BudgetName = budgetName;
        BudgetUsd = budgetUsd;
        SpentUsd = spentUsd;
        ReservedUsd = reservedUsd;
        RequiredUsd = requiredUsd;
        Model = model;
    }

    /// <summary>
    /// Why the call's bound is what it is (its tokens, rates and output cap) and which fix applies, or <see langword="null"/>;
    /// also at the end of <see cref="Message"/>.
    /// </summary>
    public string? Advice { get; init; }

    /// <inheritdoc />
    public override string Message => Advice is null ? base.Message : base.Message + " " + Advice;

    /// <summary>The budget that refused the call.</summary>
    public string BudgetName { get; }

    /// <summary>The budget's limit.</summary>
    public decimal BudgetUsd { get; }

    /// <summary>What the budget had spent when the call was refused.</summary>
    public decimal SpentUsd { get; }

    /// <summary>What calls in flight had reserved when the call was refused.</summary>
    public decimal ReservedUsd { get; }

    /// <summary>The worst-case cost of the refused call: what it needed to reserve.</summary>
    public decimal RequiredUsd { get; }

    /// <summary>The remaining budget: limit minus spent minus reserved, never below zero.</summary>
    public decimal RemainingUsd => Math.Max(0m, BudgetUsd - SpentUsd - ReservedUsd);

    /// <summary>The model the refused call asked for.</summary>
    public string Model { get; }

    /// <summary>The scope whose pool refused the call (<c>tenant:42</c>), or <see langword="null"/> when the budget itself did.</summary>
    public string? Scope { get; }

    /// <summary>The window the call was refused in (<c>2026-11</c>), or <see langword="null"/> for a budget without windows.</summary>
    public string? Window { get; }

    private static string Describe(string budgetName, decimal budget, decimal spent, decimal reserved, decimal required, string model) =>
        string.Create(CultureInfo.InvariantCulture,
            $"Budget {budgetName} cannot cover this call to {model}: it may cost up to ${required:0.######}, " +
            $"and of the ${budget:0.######} budget ${spent:0.######} is spent and ${reserved:0.######} is reserved by calls in flight " +
            $"(${Math.Max(0m, budget - spent - reserved):0.######} remains). The call was not sent.");
}
