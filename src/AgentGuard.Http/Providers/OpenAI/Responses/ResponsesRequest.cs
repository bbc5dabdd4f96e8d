namespace AgentGuard.Http.Providers.OpenAI;

/// <summary>
/// What the guard needs to know of a Responses request body, read in one pass without copying its text
/// (see <see cref="ResponsesRequestReader"/>). Unlike chat, a Responses call can carry input the body does not show
/// (a previous response, a conversation, a stored prompt, items stored on the server) and can run hosted tools,
/// each call of which bills a fee and one more model turn.
/// </summary>
internal sealed class ResponsesRequest : OpenAIRequest
{
    public override LlmOperation Operation => OpenAIOperations.Responses;

    /// <summary>Items of <c>input</c> (a string input is one user message).</summary>
    public int InputItemCount { get; init; }

    /// <summary>Whether <c>input</c> is a string: a user message whose role the body does not spell out.</summary>
    public bool HasStringInput { get; init; }

    /// <summary>Whether the body has <c>instructions</c>: a system message whose role the body does not spell out.</summary>
    public bool HasInstructions { get; init; }

    /// <summary>Tool definitions of every kind (each rendered into the hidden prompt).</summary>
    public int ToolCount { get; init; }

    /// <summary>The distinct types of the hosted tools offered (<c>web_search</c>, <c>file_search</c>, ...), in order of appearance.</summary>
    public IReadOnlyList<string> HostedToolTypes { get; init; } = [];

    /// <summary><c>max_tool_calls</c>: the most hosted tool calls the response may make.</summary>
    public int? MaxToolCalls { get; init; }

    /// <summary>Whether <c>text.format</c> is set (a JSON schema, rendered like <c>response_format</c>).</summary>
    public bool HasTextFormat { get; init; }

    public int? MaxOutputTokens { get; init; }

    /// <summary><c>previous_response_id</c>: the previous response's input and output are input of this one.</summary>
    public string? PreviousResponseId { get; init; }

    /// <summary>Whether the request continues a <c>conversation</c>, whose items are input of this one.</summary>
    public bool HasConversation { get; init; }

    /// <summary>Whether the request uses a stored <c>prompt</c> template, whose text the body does not show.</summary>
    public bool HasPrompt { get; init; }

    /// <summary>
    /// Whether <c>input</c> has items whose content is stored on the server (<c>item_reference</c>, <c>reasoning</c>):
    /// their tokens are billed but not shown by the body.
    /// </summary>
    public bool HasServerSideItems { get; init; }

    /// <summary><c>background</c>: the response is created now and finishes later.</summary>
    public bool Background { get; init; }

    /// <inheritdoc />
    public override bool RunsInBackground => Background;

    /// <inheritdoc />
    public override int? OutputCap => MaxOutputTokens;

    /// <inheritdoc />
    public override string OutputCapMember => "max_output_tokens";
}
