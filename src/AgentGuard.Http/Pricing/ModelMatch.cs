using System.Collections.Immutable;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace AgentGuard.Http.Pricing;

/// <summary>The kinds of clause of a <see cref="ModelMatch"/>, named as genai-prices names them.</summary>
internal enum ModelMatchKind
{
    EqualTo,
    StartsWith,
    EndsWith,
    Contains,
    Regex,
    Or,
    And,
}

/// <summary>
/// A rule that says which request model names an entry of the price table prices, in the form pydantic genai-prices gives
/// its models (<c>{"or": [{"equals": "gpt-4o"}, {"starts_with": "gpt-4o-2024-"}]}</c>). Unlike genai-prices, names are
/// compared as given (ordinal, case-sensitive): the APIs' model ids are lower case, and a name the API would not accept is
/// better refused than priced.
/// </summary>
internal sealed class ModelMatch
{
    // A rule comes from a price file, never from a request; the timeout only bounds a pathological name.
    private static readonly TimeSpan s_regexTimeout = TimeSpan.FromMilliseconds(100);

    private readonly Regex? _regex;

    private ModelMatch(ModelMatchKind kind, string? value, ImmutableArray<ModelMatch> clauses)
    {
        Kind = kind;
        Value = value;
        Clauses = clauses;
        if (kind == ModelMatchKind.Regex)
        {
            // ECMAScript semantics: the rules are written for JavaScript's RegExp (\d is [0-9], not every Unicode digit).
            _regex = new Regex(value!, RegexOptions.ECMAScript, s_regexTimeout);
        }
    }

    public ModelMatchKind Kind { get; }

    /// <summary>The text or pattern of a leaf clause; <see langword="null"/> for <c>or</c> and <c>and</c>.</summary>
    public string? Value { get; }

    public ImmutableArray<ModelMatch> Clauses { get; }

    public static ModelMatch Leaf(ModelMatchKind kind, string value) => new(kind, value, []);

    public static ModelMatch Combine(ModelMatchKind kind, IEnumerable<ModelMatch> clauses) => new(kind, null, [.. clauses]);

    /// <summary>A rule that matches what either rule matches (both, flattened, when they are <c>or</c> rules).</summary>
    public static ModelMatch Either(ModelMatch? first, ModelMatch second)
    {
        if (first is null)
        {
            return second;
        }

        IEnumerable<ModelMatch> Parts(ModelMatch rule) => rule.Kind == ModelMatchKind.Or ? rule.Clauses : [rule];
        var parts = new List<ModelMatch>();
        foreach (var part in Parts(first).Concat(Parts(second)))
        {
            if (!parts.Any(p => p.SameAs(part)))
            {
                parts.Add(part);
            }
        }

        return parts.Count == 1 ? parts[0] : Combine(ModelMatchKind.Or, parts);
    }

    public bool IsMatch(string name) => Kind switch
    {
        ModelMatchKind.EqualTo => name.Equals(Value, StringComparison.Ordinal),
        ModelMatchKind.StartsWith => name.StartsWith(Value!, StringComparison.Ordinal),
        ModelMatchKind.EndsWith => name.EndsWith(Value!, StringComparison.Ordinal),
        ModelMatchKind.Contains => name.Contains(Value!, StringComparison.Ordinal),
        ModelMatchKind.Regex => RegexMatches(name),
        ModelMatchKind.Or => Clauses.Any(c => c.IsMatch(name)),
        _ => Clauses.All(c => c.IsMatch(name)),
    };

    /// <summary>The names the rule matches exactly and by themselves (its <c>equals</c> clauses outside any <c>and</c>).</summary>
    public IEnumerable<string> ExactNames() => Kind switch
    {
        ModelMatchKind.EqualTo => [Value!],
        ModelMatchKind.Or => Clauses.SelectMany(c => c.ExactNames()),
        _ => [],
    };

    /// <summary>Whether the rule matches more than its exact names (a prefix, a suffix, a pattern).</summary>
    public bool HasPatterns => Kind switch
    {
        ModelMatchKind.EqualTo => false,
        ModelMatchKind.Or => Clauses.Any(c => c.HasPatterns),
        _ => true,
    };

    public bool SameAs(ModelMatch other) =>
        Kind == other.Kind && Value == other.Value && Clauses.Length == other.Clauses.Length
        && Clauses.Zip(other.Clauses).All(pair => pair.First.SameAs(pair.Second));

    public void WriteTo(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        if (Value is not null)
        {
            writer.WriteString(NameOf(Kind), Value);
        }
        else
        {
            writer.WriteStartArray(NameOf(Kind));
            foreach (var clause in Clauses)
            {
                clause.WriteTo(writer);
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
    }

    /// <summary>
    /// Reads a rule: an object of exactly one clause. <paramref name="error"/> turns a problem into the exception to throw.
    /// </summary>
    public static ModelMatch Read(JsonElement element, Func<string, Exception> error)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw error($"a \"match\" rule must be an object such as {{\"equals\": \"name\"}}, not {JsonKinds.Describe(element)}");
        }

        using var members = element.EnumerateObject();
        if (!members.MoveNext())
        {
            throw error("a \"match\" rule is empty");
        }

        var member = members.Current;
        if (members.MoveNext())
        {
            throw error($"a \"match\" rule has one clause, but this one has '{member.Name}' and '{members.Current.Name}'");
        }

        ModelMatchKind kind = KindOf(member.Name) ?? throw error(
            $"a \"match\" rule has an unknown clause '{member.Name}' (use equals, starts_with, ends_with, contains, regex, or, and)");
        if (kind is ModelMatchKind.Or or ModelMatchKind.And)
        {
            if (member.Value.ValueKind != JsonValueKind.Array || member.Value.GetArrayLength() == 0)
            {
                throw error($"a \"match\" rule's '{member.Name}' needs a list of rules");
            }

            return Combine(kind, member.Value.EnumerateArray().Select(e => Read(e, error)).ToList());
        }

        if (member.Value.ValueKind != JsonValueKind.String || member.Value.GetString() is not { Length: > 0 } value)
        {
            throw error($"a \"match\" rule's '{member.Name}' needs a non-empty string");
        }

        try
        {
            return Leaf(kind, value);
        }
        catch (ArgumentException ex)
        {
            throw error($"a \"match\" rule's regex '{value}' is invalid: {ex.Message}");
        }
    }

    private bool RegexMatches(string name)
    {
        try
        {
            return _regex!.IsMatch(name);
        }
        catch (RegexMatchTimeoutException)
        {
            // A name this rule cannot judge in time is not one it prices.
            return false;
        }
    }

    private static ModelMatchKind? KindOf(string name) => name switch
    {
        "equals" => ModelMatchKind.EqualTo,
        "starts_with" => ModelMatchKind.StartsWith,
        "ends_with" => ModelMatchKind.EndsWith,
        "contains" => ModelMatchKind.Contains,
        "regex" => ModelMatchKind.Regex,
        "or" => ModelMatchKind.Or,
        "and" => ModelMatchKind.And,
        _ => null,
    };

    private static string NameOf(ModelMatchKind kind) => kind switch
    {
        ModelMatchKind.EqualTo => "equals",
        ModelMatchKind.StartsWith => "starts_with",
        ModelMatchKind.EndsWith => "ends_with",
        ModelMatchKind.Contains => "contains",
        ModelMatchKind.Regex => "regex",
        ModelMatchKind.Or => "or",
        _ => "and",
    };
}
