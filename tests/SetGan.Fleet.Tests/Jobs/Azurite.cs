using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace SetGan.Fleet.Tests.Jobs;

/// <summary>
/// A real Azurite (the Azure Storage emulator, npm package 'azurite') on free ports with a temporary
/// workspace, for the tests of one class. Fails, never skips, when it is missing or does not answer.
/// </summary>
public sealed class Azurite : IAsyncLifetime
{
    /// <summary>
    /// Azurite's well-known development account and key (public, in its documentation and its source). The
    /// fixture also hands them to Azurite (AZURITE_ACCOUNTS), so client and emulator agree by construction.
    /// </summary>
    private const string Account = "devstoreaccount1";
    private const string Key = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly StringBuilder output = new();
    private Process? process;
    private string folder = "";
    private int blobPort, queuePort;

    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName={Account};AccountKey={Key};BlobEndpoint=http://127.0.0.1:{blobPort}/{Account};QueueEndpoint=http://127.0.0.1:{queuePort}/{Account};";

    public async ValueTask InitializeAsync()
    {
        string azurite = Find("azurite");
        folder = Directory.CreateTempSubdirectory("setgan-azurite-").FullName;
        // A free port is free when probed, not when Azurite binds it: the test assemblies run side by side
        // and open ports of their own. Azurite exits on EADDRINUSE, so a lost race starts again on new ports.
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                await StartOnFreePortsAsync(azurite);
                return;
            }
            catch (InvalidOperationException) when (attempt < 3 && Output.Contains("EADDRINUSE"))
            {
                process?.Dispose();
                lock (output) output.Clear();
            }
        }
    }

    private async Task StartOnFreePortsAsync(string azurite)
    {
        (blobPort, queuePort) = (FreePort(), FreePort());
        // The Azure SDK may ask for a newer service version than this Azurite knows: --skipApiVersionCheck.
        var info = new ProcessStartInfo(azurite, ["--silent", "--disableTelemetry", "--skipApiVersionCheck", "--location", folder,
            "--blobPort", blobPort.ToString(), "--queuePort", queuePort.ToString(), "--tablePort", FreePort().ToString()])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            Environment = { ["AZURITE_ACCOUNTS"] = $"{Account}:{Key}" },
        };
        process = Process.Start(info) ?? throw new InvalidOperationException($"{azurite} did not start");
        process.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await WaitForPortAsync(blobPort);
        await WaitForPortAsync(queuePort);
    }

    private async Task WaitForPortAsync(int port)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30); // node's start on a busy 2-core machine
        while (DateTime.UtcNow < deadline)
        {
            if (process!.HasExited)
            {
                process.WaitForExit(); // drains its output, which says why
                throw new InvalidOperationException($"azurite exited with {process.ExitCode}:\n{Output}");
            }
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException) { await Task.Delay(100); }
        }
        throw new InvalidOperationException($"azurite did not listen on {port} within 30 s:\n{Output}");
    }

    public string Output { get { lock (output) return output.ToString(); } }

    private static string Find(string name)
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
            if (File.Exists(Path.Combine(dir, name))) return Path.Combine(dir, name);
        throw new InvalidOperationException(
            $"'{name}' is not installed, and the Azure job-queue tests need a real Azure Storage emulator: run scripts/test-tools.sh, or `npm install -g azurite@3.37.0`");
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (process is not null)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
            process.Dispose();
        }
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
    }
}
