using AgentGuard.Http.Estimation;
using AgentGuard.Http.Pricing;
using AgentGuard.Http.Requests;
using AgentGuard.Http.Settlement;

namespace AgentGuard.Http.Providers;

/// <summary>
/// One API operation of a provider (Chat Completions, Responses, Messages, generateContent): how its request bodies are
/// read, how their cost is bounded, how the guard's output cap is written into them, and how its responses report what was
/// billed. Stateless and shared: one instance per operation, whichever provider's routes lead to it.
/// </summary>
internal abstract class LlmOperation
{
    /// <summary>The endpoint's name below the provider's API root (<c>chat/completions</c>): the name of its route.</summary>
    public abstract string Name { get; }

    /// <summary>The operation's name in messages (<c>Chat Completions</c>).</summary>
    public abstract string DisplayName { get; }

    /// <summary>Whether the operation produces output whose cap the guard may set or lower (embeddings do not).</summary>
    public virtual bool HasOutputCap => true;

    /// <summary>Reads a body that is valid UTF-8 (the caller checked it).</summary>
    /// <param name="body">The request body.</param>
    /// <param name="modelInPath">Whether the path names the model or deployment, so that the body may leave out <c>model</c>.</param>
    /// <exception cref="UnboundedRequestException">The body cannot be read or holds what cannot be bounded.</exception>
    public abstract GuardedRequest Read(ReadOnlySpan<byte> body, bool modelInPath);

    /// <summary>The cheap bound, from what the reader counted.</summary>
    /// <param name="request">The request read by <see cref="Read"/>.</param>
    /// <param name="model">Its priced model.</param>
    /// <param name="tier">The tier it bills at.</param>
    /// <param name="context">What the client's options add.</param>
    /// <param name="outputCap">An output cap that replaces the request's own (the guard lowers or sets it).</param>
    public abstract CostBound ByBytes(GuardedRequest request, PricedModel model, ServiceTier tier, EstimationContext context, int? outputCap);

    /// <summary>
    /// The tighter bound from token counts, or <see langword="null"/> when there is none. Its time is bounded per call: a
    /// scan of the body's bytes, and at most <see cref="TextTokens.MergedBytesPerCall"/> of text merged (see
    /// <see cref="TextTokens"/>); it observes <paramref name="cancellationToken"/> while it counts.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public abstract CostBound? ByTokenizer(
        ReadOnlySpan<byte> body, GuardedRequest request, PricedModel model, ServiceTier tier, EstimationContext context, int? outputCap, CancellationToken cancellationToken);

    /// <summary>The same input bound priced with another output cap: what the guard lowers a cap to must fit the budget.</summary>
    public virtual CostBound Reprice(CostBound bound, GuardedRequest request, PricedModel model, ServiceTier tier, EstimationContext context, int outputCap) => bound;

    /// <summary>Writes the output cap the guard chose into the body sent.</summary>
    public virtual void WriteOutputCap(PooledRequestBody body, GuardedRequest request, int cap) => OutputCapRewrite.Apply(body, request, cap);

    /// <summary>
    /// Asks a streaming request for the usage its stream does not carry unless asked (<see cref="GuardedRequest.NeedsUsageInjected"/>);
    /// the stream then removes it from what the caller reads.
    /// </summary>
    public virtual void RequestStreamUsage(PooledRequestBody body, GuardedRequest request) =>
        throw new NotSupportedException($"{DisplayName} streams are not asked for their usage.");

    /// <summary>Settles a reservation from a successful JSON response body.</summary>
    public abstract ValueTask SettleAsync(byte[] body, CallReservation reservation, bool async);

    /// <summary>A reader of this operation's event streams: which events carry usage, and which one is the last word.</summary>
    public abstract StreamUsageReader CreateStreamReader();
}

/// <summary>An operation whose reader returns <typeparamref name="TRequest"/>: the bounds take it typed.</summary>
internal abstract class LlmOperation<TRequest> : LlmOperation
    where TRequest : GuardedRequest
{
    /// <inheritdoc />
    public sealed override GuardedRequest Read(ReadOnlySpan<byte> body, bool modelInPath) => ReadRequest(body, modelInPath);

    /// <inheritdoc />
    public sealed override CostBound ByBytes(GuardedRequest request, PricedModel model, ServiceTier tier, EstimationContext context, int? outputCap) =>
        ByBytes((TRequest)request, model, tier, context, outputCap);

    /// <inheritdoc />
    public sealed override CostBound? ByTokenizer(
        ReadOnlySpan<byte> body, GuardedRequest request, PricedModel model, ServiceTier tier, EstimationContext context, int? outputCap, CancellationToken cancellationToken) =>
        ByTokenizer(body, (TRequest)request, model, tier, context, outputCap, cancellationToken);

    /// <inheritdoc />
    public sealed override CostBound Reprice(CostBound bound, GuardedRequest request, PricedModel model, ServiceTier tier, EstimationContext context, int outputCap) =>
        Reprice(bound, (TRequest)request, model, tier, context, outputCap);

    /// <inheritdoc cref="LlmOperation.Read"/>
    protected abstract TRequest ReadRequest(ReadOnlySpan<byte> body, bool modelInPath);

    /// <inheritdoc cref="LlmOperation.ByBytes"/>
    protected abstract CostBound ByBytes(TRequest request, PricedModel model, ServiceTier tier, EstimationContext context, int? outputCap);

    /// <inheritdoc cref="LlmOperation.ByTokenizer"/>
    protected abstract CostBound? ByTokenizer(
        ReadOnlySpan<byte> body, TRequest request, PricedModel model, ServiceTier tier, EstimationContext context, int? outputCap, CancellationToken cancellationToken);

    /// <inheritdoc cref="LlmOperation.Reprice"/>
    protected virtual CostBound Reprice(CostBound bound, TRequest request, PricedModel model, ServiceTier tier, EstimationContext context, int outputCap) => bound;
}
