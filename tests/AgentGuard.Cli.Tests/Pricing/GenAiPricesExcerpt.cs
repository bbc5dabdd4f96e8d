using System.Formats.Tar;
using System.IO.Compression;

namespace AgentGuard.Cli.Tests.Pricing;

/// <summary>
/// The committed excerpt of @pydantic/genai-prices 0.1.8: its bundle's data literal cut to a few models (index.js, with
/// the bundle's own syntax), the same data as data.json, and the package's package.json; and an npm tarball made of them.
/// </summary>
internal static class GenAiPricesExcerpt
{
    private static string Folder => Path.Combine(AppContext.BaseDirectory, "Pricing", "GenAiPrices");

    public static string DataJson => Path.Combine(Folder, "data.json");

    /// <summary>The same data as genai-prices publishes it (its feed's constraints carry no "type": the bundle adds it).</summary>
    public static string FeedJson => Path.Combine(Folder, "data-feed.json");

    public static string Bundle => Path.Combine(Folder, "index.js");

    /// <summary>Writes the package as <c>npm pack</c> does (<c>package/package.json</c>, <c>package/dist/index.js</c>, gzipped).</summary>
    public static void WriteTarball(string path)
    {
        using var file = File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Optimal);
        using var tar = new TarWriter(gzip, TarEntryFormat.Pax);
        tar.WriteEntry(Path.Combine(Folder, "package.manifest.json"), "package/package.json");
        tar.WriteEntry(Bundle, "package/dist/index.js");
    }

    /// <summary>Lays the package out as <c>npm install</c> does, under <paramref name="root"/>.</summary>
    public static string WriteFolder(string root)
    {
        string package = Path.Combine(root, "node_modules", "@pydantic", "genai-prices");
        Directory.CreateDirectory(Path.Combine(package, "dist"));
        File.Copy(Path.Combine(Folder, "package.manifest.json"), Path.Combine(package, "package.json"));
        File.Copy(Bundle, Path.Combine(package, "dist", "index.js"));
        return package;
    }
}
