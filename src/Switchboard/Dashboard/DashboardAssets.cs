using System.Reflection;
using System.Security.Cryptography;

namespace Switchboard.Dashboard;

/// <summary>
/// The page's files, embedded in the binary (<c>Dashboard/wwwroot/</c>, logical names <c>dashboard/NAME</c>): nothing is
/// built or fetched at run time, so the dashboard works offline.
/// </summary>
internal sealed class DashboardAssets
{
    private const string Prefix = "dashboard/";

    private DashboardAssets(IReadOnlyDictionary<string, Asset> files) => Files = files;

    /// <summary>File name (e.g. <c>app.js</c>) → content.</summary>
    public IReadOnlyDictionary<string, Asset> Files { get; }

    public static DashboardAssets Load()
    {
        var assembly = typeof(DashboardAssets).Assembly;
        var files = new Dictionary<string, Asset>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var memory = new MemoryStream();
            stream.CopyTo(memory);
            var bytes = memory.ToArray();
            var file = name[Prefix.Length..];
            files[file] = new Asset(bytes, ContentType(file), "\"" + Convert.ToHexStringLower(SHA256.HashData(bytes))[..16] + "\"");
        }

        return new DashboardAssets(files);
    }

    private static string ContentType(string file) => Path.GetExtension(file) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".svg" => "image/svg+xml",
        ".txt" or ".md" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    };

    internal sealed record Asset(byte[] Content, string ContentType, string ETag);
}
