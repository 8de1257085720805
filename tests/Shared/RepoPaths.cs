namespace SetGan.Tests;

/// <summary>Files of this repository, found from the test binaries by walking up to SetGan.sln.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string File(params string[] parts) => Path.Combine([Root, .. parts]);

    public static string Balloons => File("samples", "balloons.png");

    private static string FindRoot()
    {
        var d = new DirectoryInfo(AppContext.BaseDirectory);
        while (d is not null && !System.IO.File.Exists(Path.Combine(d.FullName, "SetGan.sln"))) d = d.Parent;
        return d?.FullName ?? throw new InvalidOperationException("SetGan.sln not found above the test folder");
    }
}
