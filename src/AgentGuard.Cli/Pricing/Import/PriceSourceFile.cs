using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using AgentGuard.Http.Pricing;

namespace AgentGuard.Cli.Pricing.Import;

/// <summary>
/// What <c>agentguard prices import</c> reads, recognized by its content: genai-prices' data (its <c>data.json</c>, a list of
/// providers), its npm package (the <c>.tgz</c> that <c>npm pack @pydantic/genai-prices</c> downloads, the package's folder
/// as <c>npm install</c> leaves it, or the bundle <c>dist/index.js</c>, whose data is a JavaScript literal), or a prices file
/// in this library's own format.
/// </summary>
internal static partial class PriceSourceFile
{
    private const string PackageName = "@pydantic/genai-prices";

    private static readonly JsonDocumentOptions s_options = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    /// <summary>Either the source's data or a table in this library's format (exactly one is set).</summary>
    public static (SourceData? Source, PriceTable? Table) Read(string path)
    {
        if (Directory.Exists(path))
        {
            return (FromPackage(ReadFolder(path), $"the npm package folder '{Path.GetFileName(Path.TrimEndingDirectorySeparator(path))}'"), null);
        }

        if (!File.Exists(path))
        {
            throw new CliException($"The file '{path}' does not exist.");
        }

        byte[] bytes = File.ReadAllBytes(path);
        if (bytes is [0x1f, 0x8b, ..])
        {
            return (FromPackage(ReadTarball(bytes, path), $"the npm package '{Path.GetFileName(path)}'"), null);
        }

        string text = Encoding.UTF8.GetString(bytes).TrimStart('\uFEFF');
        string trimmed = text.TrimStart();
        if (trimmed.StartsWith('[') || trimmed.StartsWith('{'))
        {
            return FromJson(bytes, path);
        }

        return (FromBundle(text, $"the bundle '{path}'"), null);
    }

    private static (SourceData?, PriceTable?) FromJson(byte[] bytes, string path)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes, s_options);
        }
        catch (JsonException ex)
        {
            throw new CliException($"Cannot read '{path}': {ex.Message}");
        }

        using (document)
        {
            var root = document.RootElement;
            return root.ValueKind == JsonValueKind.Array
                ? (SourceData.Read(root, $"the genai-prices data '{path}'"), null)
                : (null, PriceTableJson.Read(root, $"the prices file '{path}'"));
        }
    }

    private static SourceData FromPackage(IReadOnlyDictionary<string, byte[]> files, string description)
    {
        if (!files.TryGetValue("package.json", out byte[]? manifest))
        {
            throw new CliException($"Cannot read {description}: it has no package.json.");
        }

        using var package = JsonDocument.Parse(manifest, s_options);
        var root = package.RootElement;
        string name = root.TryGetProperty("name", out var n) ? n.GetString() ?? "" : "";
        if (name != PackageName)
        {
            throw new CliException($"Cannot read {description}: it is the package '{name}', not {PackageName}.");
        }

        string version = root.TryGetProperty("version", out var v) ? v.GetString() ?? "?" : "?";
        foreach (string entry in new[] { "module", "main" }.Select(e => root.TryGetProperty(e, out var p) ? p.GetString() : null).OfType<string>())
        {
            if (files.TryGetValue(entry.TrimStart('.', '/'), out byte[]? bundle))
            {
                return FromBundle(Encoding.UTF8.GetString(bundle), $"{PackageName} {version} ({description})");
            }
        }

        throw new CliException($"Cannot read {description}: its package.json names no bundle it contains (\"module\" or \"main\").");
    }

    /// <summary>The price data of a bundle: the first array literal of objects that start with an <c>id</c>.</summary>
    private static SourceData FromBundle(string text, string description)
    {
        var start = DataArray().Match(text);
        if (!start.Success)
        {
            throw new CliException($"Cannot read {description}: no genai-prices data in it (a list of providers such as [{{ id: \"anthropic\", ... }}]).");
        }

        byte[] json;
        try
        {
            json = JsLiteral.ToJson(text, start.Index);
        }
        catch (FormatException ex)
        {
            throw new CliException($"Cannot read the price data of {description}: {ex.Message}.");
        }

        using var document = JsonDocument.Parse(json);
        return SourceData.Read(document.RootElement, description);
    }

    private static Dictionary<string, byte[]> ReadFolder(string path)
    {
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (string file in Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(path, file).Replace('\\', '/');
            if (relative == "package.json" || relative.EndsWith(".js", StringComparison.Ordinal) || relative.EndsWith(".cjs", StringComparison.Ordinal))
            {
                files[relative] = File.ReadAllBytes(file);
            }
        }

        return files;
    }

    /// <summary>The files of an npm tarball, by their path below its <c>package/</c> folder.</summary>
    private static Dictionary<string, byte[]> ReadTarball(byte[] bytes, string path)
    {
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        try
        {
            using var gzip = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
            using var tar = new TarReader(gzip);
            while (tar.GetNextEntry() is { } entry)
            {
                int slash = entry.Name.IndexOf('/', StringComparison.Ordinal);
                if (entry.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile && entry.DataStream is { } data && slash > 0)
                {
                    using var content = new MemoryStream();
                    data.CopyTo(content);
                    files[entry.Name[(slash + 1)..]] = content.ToArray();
                }
            }
        }
        catch (Exception ex) when (ex is InvalidDataException or FormatException or EndOfStreamException)
        {
            throw new CliException($"Cannot read the npm package '{path}': {ex.Message}");
        }

        return files;
    }

    [GeneratedRegex(@"\[\s*\{\s*id\s*:\s*[""'`]", RegexOptions.CultureInvariant)]
    private static partial Regex DataArray();
}
