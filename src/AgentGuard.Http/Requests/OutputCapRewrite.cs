using System.Text.Json;
using System.Text.Json.Nodes;

namespace AgentGuard.Http.Requests;

/// <summary>
/// Writes the output cap the guard chose into the body sent (<see cref="AgentGuardOptions.DefaultMaxOutputTokens"/>,
/// <see cref="AgentGuardOptions.ClampOutputToBudget"/>): the request's cap member is set, and every other cap member it
/// already has is lowered too, because the larger of two caps is the one that bills. Rare (opt-in, and only when the
/// cap changes), so the body is rewritten whole.
/// </summary>
internal static class OutputCapRewrite
{
    private static readonly string[] s_capMembers = ["max_completion_tokens", "max_tokens", "max_output_tokens"];

    public static void Apply(PooledRequestBody body, GuardedRequest request, int cap) => body.Reset(Apply(body.Bytes, request.OutputCapMember, cap));

    public static byte[] Apply(ReadOnlySpan<byte> body, string member, int cap)
    {
        var root = JsonNode.Parse(body, documentOptions: new JsonDocumentOptions { MaxDepth = JsonRequestFields.ReaderOptions.MaxDepth })!.AsObject();
        root[member] = cap;
        foreach (string other in s_capMembers)
        {
            if (other != member && root[other] is JsonValue value && value.TryGetValue(out int existing) && existing > cap)
            {
                root[other] = cap;
            }
        }

        return System.Text.Encoding.UTF8.GetBytes(root.ToJsonString());
    }
}
