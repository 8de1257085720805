using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace SetGan.Fleet.Service;

/// <summary>
/// The dashboard: one page, its script and style, built into the assembly (no CDN, no build step: it
/// must work on a closed network). It reads the API with the token cookie it sets from the address's #token.
/// </summary>
public static class Dashboard
{
    private static readonly (string Path, string Resource, string Type)[] Files =
    [
        ("/", "index.html", "text/html; charset=utf-8"),
        ("/dashboard.js", "dashboard.js", "text/javascript; charset=utf-8"),
        ("/dashboard.css", "dashboard.css", "text/css; charset=utf-8"),
    ];

    public static void Map(WebApplication app)
    {
        foreach (var (path, resource, type) in Files)
        {
            byte[] body = Read(resource);
            app.MapGet(path, () => Results.Bytes(body, type));
        }
    }

    private static byte[] Read(string name)
    {
        using var stream = typeof(Dashboard).Assembly.GetManifestResourceStream($"SetGan.Fleet.Dashboard.{name}")
            ?? throw new InvalidOperationException($"the dashboard's {name} is missing from the build");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
