using System.Security.Cryptography;
using System.Text;

namespace SetGan.Fleet.Service;

/// <summary>
/// The operators' bearer token: made at the first start in DATA/admin.token (mode 600), read by the
/// `setgan fleet` commands on the same machine, and given to the dashboard once in the address it prints.
/// </summary>
public static class AdminToken
{
    public const string File = "admin.token";

    public static string LoadOrCreate(string dataDir)
    {
        string path = Path.Combine(dataDir, File);
        if (System.IO.File.Exists(path)) return Read(path);
        Directory.CreateDirectory(dataDir);
        string token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        var create = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite; // readable by its owner only
        using (var stream = new FileStream(path + ".tmp", create)) stream.Write(Encoding.ASCII.GetBytes(token));
        System.IO.File.Move(path + ".tmp", path, overwrite: true);
        return token;
    }

    public static string Read(string path)
    {
        string token = System.IO.File.ReadAllText(path).Trim();
        if (token.Length < 32 || !token.All(char.IsAsciiHexDigit))
            throw new InvalidOperationException($"{path} does not hold a fleet admin token; delete it and restart the service to make a new one");
        return token;
    }

    /// <summary>Constant-time comparison, so the token cannot be guessed a byte at a time from response times.</summary>
    public static bool Matches(string expected, string? presented) =>
        presented is not null && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(presented));
}
