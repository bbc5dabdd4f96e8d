using AgentGuard.Http.Providers;

namespace AgentGuard.Http.Requests;

/// <summary>
/// What the guard needs to know of a request body to bound its cost, read in one pass by its operation's reader.
/// Each operation adds what bounds its input and output.
/// </summary>
internal abstract class GuardedRequest
{
    /// <summary>The operation that read the request, and bounds and settles it.</summary>
    public abstract LlmOperation Operation { get; }

    /// <summary>The model as the body names it (on Azure, a deployment name).</summary>
    public required string Model { get; init; }

    /// <summary>The size of the whole JSON body in UTF-8 bytes: a bound on its text tokens.</summary>
    public int BodyBytes { get; init; }

    /// <summary>The image inputs, or <see langword="null"/> when there are none.</summary>
    public ImageInputs? Images { get; init; }

    /// <summary>The body's bytes that are text: the image URLs and data are billed by their images' rule, not as text.</summary>
    public long TextBytes => BodyBytes - (Images?.UrlBytes ?? 0);

    /// <summary><c>service_tier</c> as sent, <see langword="null"/> when absent.</summary>
    public string? ServiceTier { get; init; }

    public bool Stream { get; init; }

    /// <summary>Whether the guard must ask the stream for its usage (which the caller then does not see); see <see cref="LlmProvider.InjectsStreamUsage"/>.</summary>
    public virtual bool NeedsUsageInjected => false;

    /// <summary>Whether the call goes on after its response (a background response): its reservation waits for the outcome.</summary>
    public virtual bool RunsInBackground => false;

    /// <summary>The output cap the body sets (the largest, when it sets several), or <see langword="null"/>.</summary>
    public abstract int? OutputCap { get; }

    /// <summary>The member that caps output on this endpoint, written when the guard sets or lowers the cap.</summary>
    public abstract string OutputCapMember { get; }
}
