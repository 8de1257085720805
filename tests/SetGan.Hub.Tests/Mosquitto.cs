using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace SetGan.Hub.Tests;

/// <summary>
/// A real mosquitto on a free port with a TLS listener (a CA and server certificate made here), a password
/// file and the ACL the 'mqtt' mode relies on: each device confined to devices/{its name}/#, the bridge
/// user allowed all of devices/#. Fails, never skips, when mosquitto is not installed.
/// </summary>
public sealed class Mosquitto : IAsyncDisposable
{
    public const string BridgeUser = "setgan-bridge";
    private Process process;
    private readonly StringBuilder output = new();

    private Mosquitto(string folder, int port, Dictionary<string, string> passwords, Process process)
    {
        (Folder, Port, Passwords, this.process) = (folder, port, passwords, process);
        Capture(process);
    }

    private void Capture(Process p)
    {
        p.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
    }

    private static ProcessStartInfo StartInfo(string folder) =>
        new(Find("mosquitto", "/usr/sbin/mosquitto"), ["-c", Path.Combine(folder, "mosquitto.conf")])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };

    /// <summary>Stops the broker as an operator would (SIGTERM: it saves its sessions), waits, and starts it again on the same port.</summary>
    public async Task RestartAsync(TimeSpan down)
    {
        Process.Start("kill", ["-TERM", process.Id.ToString()])!.WaitForExit();
        await process.WaitForExitAsync();
        process.Dispose();
        await Task.Delay(down);
        process = Process.Start(StartInfo(Folder))!;
        Capture(process);
        await WaitForListenerAsync();
    }

    public string Folder { get; }
    public int Port { get; }
    public string CaFile => Path.Combine(Folder, "ca.crt");
    public IReadOnlyDictionary<string, string> Passwords { get; }
    public string Output { get { lock (output) return output.ToString(); } }

    /// <summary>Starts mosquitto with the bridge user and one user per device name (password = random).</summary>
    public static async Task<Mosquitto> StartAsync(params string[] deviceUsers)
    {
        string mosquitto = Find("mosquitto", "/usr/sbin/mosquitto"), passwd = Find("mosquitto_passwd", "/usr/bin/mosquitto_passwd");
        string folder = Directory.CreateTempSubdirectory("setgan-mosquitto-").FullName;
        WriteCertificates(folder);
        var passwords = new[] { BridgeUser }.Concat(deviceUsers).ToDictionary(u => u, _ => Convert.ToHexString(RandomNumberGenerator.GetBytes(12)));
        string passwordFile = Path.Combine(folder, "passwd");
        bool first = true;
        foreach (var (user, password) in passwords)
        {
            Run(passwd, first ? ["-b", "-c", passwordFile, user, password] : ["-b", passwordFile, user, password]);
            first = false;
        }
        File.WriteAllText(Path.Combine(folder, "acl"), $"""
            user {BridgeUser}
            topic readwrite devices/#

            pattern readwrite devices/%u/#

            """);
        int port = FreePort();
        // Started as root, mosquitto drops to the 'mosquitto' user unless told to stay who we are (our files stay readable).
        File.WriteAllText(Path.Combine(folder, "mosquitto.conf"), $"""
            user {Environment.UserName}
            per_listener_settings false
            allow_anonymous false
            password_file {passwordFile}
            acl_file {Path.Combine(folder, "acl")}
            persistence true
            persistence_location {folder}/
            log_dest stdout
            log_type error
            log_type warning
            log_type notice
            listener {port} 127.0.0.1
            cafile {Path.Combine(folder, "ca.crt")}
            certfile {Path.Combine(folder, "server.crt")}
            keyfile {Path.Combine(folder, "server.key")}

            """);
        var broker = new Mosquitto(folder, port, passwords, Process.Start(StartInfo(folder))!);
        await broker.WaitForListenerAsync();
        return broker;
    }

    private async Task WaitForListenerAsync()
    {
        for (int i = 0; i < 100; i++)
        {
            if (process.HasExited) throw new InvalidOperationException($"mosquitto exited with {process.ExitCode}:\n{Output}");
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException) { await Task.Delay(30); }
        }
        throw new InvalidOperationException($"mosquitto did not listen on {Port} within 3 s:\n{Output}");
    }

    private static string Find(string name, string usual)
    {
        if (File.Exists(usual)) return usual;
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
            if (File.Exists(Path.Combine(dir, name))) return Path.Combine(dir, name);
        throw new InvalidOperationException(
            $"'{name}' is not installed, and the 'mqtt' mode tests need a real broker: install it with `sudo apt-get install -y mosquitto` (Debian package 'mosquitto', which also brings mosquitto_passwd)");
    }

    private static void Run(string file, string[] args)
    {
        using var p = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        string errors = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({p.ExitCode}): {errors}");
    }

    /// <summary>A CA, and a server certificate it signed for localhost and 127.0.0.1, as PEM files.</summary>
    public static void WriteCertificates(string folder)
    {
        var now = DateTimeOffset.UtcNow;
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=SetGan test CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        using var ca = caRequest.CreateSelfSigned(now.AddDays(-1), now.AddDays(30));

        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", serverKey, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var server = request.Create(ca, now.AddDays(-1), now.AddDays(30), RandomNumberGenerator.GetBytes(8));

        File.WriteAllText(Path.Combine(folder, "ca.crt"), ca.ExportCertificatePem());
        File.WriteAllText(Path.Combine(folder, "server.crt"), server.ExportCertificatePem());
        File.WriteAllText(Path.Combine(folder, "server.key"), serverKey.ExportPkcs8PrivateKeyPem());
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    /// <summary>Stops the broker for good; its folder (CA, passwords) stays until disposal.</summary>
    public async Task StopAsync()
    {
        if (!process.HasExited)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
        process.Dispose();
        Directory.Delete(Folder, recursive: true);
    }
}
