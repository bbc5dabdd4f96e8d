namespace AgentGuard.Docs.Tests;

/// <summary>
/// The C# the docs show is compiled: every block is a #region of samples/AgentGuard.Snippets (the build compiles that
/// project with warnings as errors), and every region is shown somewhere.
/// </summary>
public sealed class DocSnippetTests
{
    private static readonly IReadOnlyList<Located> Blocks = Snippets.CSharpBlocks();
    private static readonly IReadOnlyList<Located> Regions = Snippets.Regions();

    [Fact]
    public void TheDocs_HaveCSharpBlocks_AndTheSnippetsProjectHasRegions()
    {
        Assert.Contains(Blocks, b => b.File == "README.md");
        Assert.NotEmpty(Regions);
    }

    [Fact]
    public void EveryCSharpBlockOfTheDocs_IsTheTextOfACompiledRegion()
    {
        var missing = Blocks.Where(b => !Regions.Any(r => r.Text == b.Text)).ToList();

        Assert.True(missing.Count == 0, string.Join("\n\n", missing.Select(Explain)) +
            $"\n\nEvery ```csharp block of README.md and docs/*.md must be, line for line (indentation aside), the text of a " +
            $"#region in {Snippets.SnippetsProject}, which the build compiles. Write the snippet there as compiled code, " +
            "then paste the region's text into the doc (regions of one name in one file join with a blank line: usings at the " +
            "top of the file, code in a method).");
    }

    [Fact]
    public void EveryRegionOfTheSnippetsProject_IsShownInTheDocs()
    {
        var unused = Regions.Where(r => !Blocks.Any(b => b.Text == r.Text)).ToList();

        Assert.True(unused.Count == 0, "Regions that no doc shows (remove them, or show them):\n" + string.Join("\n", unused));
    }

    [Fact]
    public void RegionNames_AreUniqueAcrossTheSnippetsProject()
    {
        var duplicates = Regions.GroupBy(r => r.Name, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => string.Join(", ", g)).ToList();

        Assert.True(duplicates.Count == 0, "A region name is used in more than one file:\n" + string.Join("\n", duplicates));
    }

    [Fact]
    public void Normalize_IgnoresIndentationTrailingSpacesAndRunsOfBlankLines()
    {
        string region = Snippets.Normalize([["        var a = 1;  ", "", "", "        if (a > 0)", "        {", "            a++;", "        }", ""]]);
        string doc = Snippets.Normalize([["var a = 1;", "", "if (a > 0)", "{", "    a++;", "}"]]);

        Assert.Equal(doc, region);
        Assert.Equal("using A;\n\nvar b = 2;\n", Snippets.Normalize([["using A;"], ["    var b = 2;"]]));
    }

    /// <summary>The block, and the first line where the closest region (by the lines they share at the start) differs.</summary>
    private static string Explain(Located block)
    {
        string[] lines = block.Text.Split('\n');
        var closest = Regions
            .Select(r => (Region: r, Common: r.Text.Split('\n').Zip(lines).TakeWhile(p => p.First == p.Second).Count()))
            .MaxBy(x => x.Common);
        string first = lines.Length > 0 ? lines[0] : "";
        if (closest.Region is null || closest.Common == 0)
        {
            return $"{block}: no region of {Snippets.SnippetsProject} holds the block starting '{first}'.";
        }

        string[] regionLines = closest.Region.Text.Split('\n');
        int at = closest.Common;
        return $"{block}: closest region is {closest.Region}, which differs at the block's line {at + 1}:\n" +
            $"  doc:    {(at < lines.Length ? lines[at] : "(end)")}\n  region: {(at < regionLines.Length ? regionLines[at] : "(end)")}";
    }
}
