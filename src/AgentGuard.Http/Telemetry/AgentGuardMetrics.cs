using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace AgentGuard.Http.Telemetry;

/// <summary>
/// The guard's instruments, on the meter named <see cref="MeterName"/>. Money is reported in USD.
/// </summary>
internal sealed class AgentGuardMetrics
{
    public const string MeterName = "AgentGuard.Http";

    public const string BudgetTag = "agentguard.budget";
    public const string ProviderTag = "gen_ai.provider.name";
    public const string ModelTag = "gen_ai.request.model";
    public const string OutcomeTag = "agentguard.outcome";
    public const string ReasonTag = "agentguard.reason";

    private static readonly Lazy<AgentGuardMetrics> s_shared = new(() => new AgentGuardMetrics(new Meter(MeterName)));

    private readonly Counter<double> _spent;
    private readonly UpDownCounter<double> _reserved;
    private readonly Counter<long> _calls;
    private readonly Counter<long> _refused;
    private readonly Counter<long> _aboveReservation;

    private AgentGuardMetrics(Meter meter)
    {
        _spent = meter.CreateCounter<double>("agentguard.spent", "USD", "Actual cost of settled calls.");
        _reserved = meter.CreateUpDownCounter<double>("agentguard.reserved", "USD", "Budget held by calls in flight.");
        _calls = meter.CreateCounter<long>("agentguard.calls", "{call}", "Calls admitted and sent.");
        _refused = meter.CreateCounter<long>("agentguard.refused_calls", "{call}", "Calls refused before they were sent.");
        _aboveReservation = meter.CreateCounter<long>("agentguard.settlements_above_reservation", "{call}",
            "Settlements whose actual cost exceeded the reservation.");
    }

    /// <summary>Instruments on a meter from <paramref name="meterFactory"/>, or on the process-wide meter without one.</summary>
    public static AgentGuardMetrics Create(IMeterFactory? meterFactory) =>
        meterFactory is null ? s_shared.Value : new AgentGuardMetrics(meterFactory.Create(MeterName));

    public void Reserved(string budget, string provider, string model, long micros)
    {
        var tags = new TagList { { BudgetTag, budget }, { ProviderTag, provider }, { ModelTag, model } };
        _calls.Add(1, tags);
        _reserved.Add(Micros.ToUsdDouble(micros), tags);
    }

    public void Settled(string budget, string provider, string model, long reservedMicros, long costMicros, string outcome)
    {
        var tags = new TagList { { BudgetTag, budget }, { ProviderTag, provider }, { ModelTag, model }, { OutcomeTag, outcome } };
        _reserved.Add(-Micros.ToUsdDouble(reservedMicros), tags);
        _spent.Add(Micros.ToUsdDouble(costMicros), tags);
        if (costMicros > reservedMicros)
        {
            _aboveReservation.Add(1, tags);
        }
    }

    public void Refused(string budget, string provider, string model, string reason) =>
        _refused.Add(1, new TagList { { BudgetTag, budget }, { ProviderTag, provider }, { ModelTag, model }, { ReasonTag, reason } });
}
