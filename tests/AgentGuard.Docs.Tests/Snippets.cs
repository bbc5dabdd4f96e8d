using System.Text;
using System.Text.RegularExpressions;

namespace AgentGuard.Docs.Tests;

/// <summary>A piece of text found in a file, with where it starts, for failure messages.</summary>
internal sealed record Located(string File, int Line, string Name, string Text)
{
    public override string ToString() => $"{File}:{Line}" + (Name.Length == 0 ? "" : $" ({Name})");
}

/// <summary>Reads the C# blocks of the docs and the #regions of the snippets project, and normalizes both alike.</summary>
internal static partial class Snippets
{
    public const string SnippetsProject = "samples/AgentGuard.Snippets";

    /// <summary>The repository's root: the folder holding AgentGuard.Http.sln, above the test's output folder.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>README.md and docs/*.md, relative to the root.</summary>
    public static IReadOnlyList<string> DocFiles { get; } =
    [
        "README.md",
        .. Directory.EnumerateFiles(Path.Combine(Root, "docs"), "*.md").Select(f => Path.GetRelativePath(Root, f).Replace('\\', '/')).Order(StringComparer.Ordinal),
    ];

    /// <summary>Every fenced block of C# (```csharp, ```cs, ```c#) in the docs.</summary>
    public static IReadOnlyList<Located> CSharpBlocks()
    {
        var blocks = new List<Located>();
        foreach (string file in DocFiles)
        {
            string[] lines = File.ReadAllLines(Path.Combine(Root, file));
            for (int i = 0; i < lines.Length; i++)
            {
                var open = Fence().Match(lines[i]);
                if (!open.Success)
                {
                    continue;
                }

                string fence = open.Groups["fence"].Value;
                bool csharp = open.Groups["lang"].Value.ToLowerInvariant() is "csharp" or "cs" or "c#";
                int start = i + 1;
                int end = start;
                while (end < lines.Length && !lines[end].TrimStart().StartsWith(fence, StringComparison.Ordinal))
                {
                    end++;
                }

                if (csharp)
                {
                    blocks.Add(new Located(file, start, "", Normalize([lines[start..Math.Min(end, lines.Length)]])));
                }

                i = end;
            }
        }

        return blocks;
    }

    /// <summary>
    /// Every <c>#region name</c> of the snippets project. Regions of one name in one file are one snippet, their parts
    /// joined by a blank line: the usings at the top of a file and the code in a method make one block of the docs.
    /// </summary>
    public static IReadOnlyList<Located> Regions()
    {
        var regions = new List<Located>();
        foreach (string path in Directory.EnumerateFiles(Path.Combine(Root, SnippetsProject), "*.cs", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            string file = Path.GetRelativePath(Root, path).Replace('\\', '/');
            if (file.Contains("/obj/", StringComparison.Ordinal) || file.Contains("/bin/", StringComparison.Ordinal))
            {
                continue;
            }

            string[] lines = File.ReadAllLines(path);
            var parts = new Dictionary<string, (int Line, List<string[]> Parts)>(StringComparer.Ordinal);
            var open = new Stack<(string Name, int Start)>();
            for (int i = 0; i < lines.Length; i++)
            {
                string line = lines[i].Trim();
                if (line.StartsWith("#region", StringComparison.Ordinal))
                {
                    open.Push((line["#region".Length..].Trim(), i + 1));
                }
                else if (line.StartsWith("#endregion", StringComparison.Ordinal))
                {
                    var (name, start) = open.Count > 0 ? open.Pop() : throw new InvalidOperationException($"{file}:{i + 1}: #endregion without #region");
                    string[] text = [.. lines[start..i].Where(l => !l.TrimStart().StartsWith("#region", StringComparison.Ordinal) && !l.TrimStart().StartsWith("#endregion", StringComparison.Ordinal))];
                    if (!parts.TryGetValue(name, out var entry))
                    {
                        parts[name] = entry = (start, []);
                    }

                    entry.Parts.Add(text);
                }
            }

            if (open.Count > 0)
            {
                throw new InvalidOperationException($"{file}:{open.Peek().Start}: #region {open.Peek().Name} is never closed");
            }

            regions.AddRange(parts.Select(p => new Located(file, p.Value.Line, p.Key, Normalize(p.Value.Parts))));
        }

        return regions;
    }

    /// <summary>
    /// The text as the docs show it: each part without its common indentation, trailing spaces or blank lines at either
    /// end; parts joined by one blank line; runs of blank lines as one.
    /// </summary>
    public static string Normalize(IEnumerable<string[]> parts)
    {
        var text = new StringBuilder();
        foreach (var part in parts)
        {
            var lines = part.Select(l => l.TrimEnd()).SkipWhile(l => l.Length == 0).Reverse().SkipWhile(l => l.Length == 0).Reverse().ToList();
            if (lines.Count == 0)
            {
                continue;
            }

            int indent = lines.Where(l => l.Length > 0).Min(l => l.Length - l.TrimStart().Length);
            if (text.Length > 0)
            {
                text.Append('\n');
            }

            bool blank = false;
            foreach (string line in lines)
            {
                if (line.Length == 0)
                {
                    blank = true;
                    continue;
                }

                if (blank)
                {
                    text.Append('\n');
                    blank = false;
                }

                text.Append(line[indent..]).Append('\n');
            }
        }

        return text.ToString();
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "AgentGuard.Http.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No AgentGuard.Http.sln above {AppContext.BaseDirectory}.");
    }

    [GeneratedRegex(@"^\s*(?<fence>```+|~~~+)\s*(?<lang>[^\s`]*)")]
    private static partial Regex Fence();
}
