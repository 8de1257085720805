using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using SetGan.Core.Link;
using SetGan.Fleet.Service;

namespace SetGan.Fleet.Client;

/// <summary>The service answered with an error: its status and its message.</summary>
public sealed class FleetApiException(int status, string message) : Exception(message)
{
    public int Status { get; } = status;
}

/// <summary>The operators' API over HTTP, for `setgan fleet ...` and the tests: the same calls the dashboard makes.</summary>
public sealed partial class FleetClient : IDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly HttpClient http;

    public FleetClient(Uri service, string token, TimeSpan? timeout = null)
    {
        http = new HttpClient { BaseAddress = service, Timeout = timeout ?? TimeSpan.FromSeconds(100) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    /// <summary>The service in a data folder on this machine: its address from service.json, the token from admin.token.</summary>
    public static FleetClient ForDataFolder(string dataDir, string? url = null, string? token = null)
    {
        url ??= ServiceEndpoint.Load(dataDir)?.Url
            ?? throw new InvalidOperationException($"no fleet service has run with data folder {dataDir}: start one with `setgan fleet serve --data {dataDir}`, or give --service URL");
        string tokenPath = Path.Combine(dataDir, AdminToken.File);
        token ??= Environment.GetEnvironmentVariable("SETGAN_FLEET_TOKEN") is { Length: > 0 } fromEnv ? fromEnv
            : File.Exists(tokenPath) ? AdminToken.Read(tokenPath)
            : throw new InvalidOperationException($"no admin token: {tokenPath} is missing; give --token or set SETGAN_FLEET_TOKEN");
        return new FleetClient(new Uri(url), token);
    }

    public Task<List<DeviceView>> DevicesAsync(CancellationToken ct = default) => GetAsync<List<DeviceView>>("api/devices", ct);
    public Task<DeviceView> DeviceAsync(string id, CancellationToken ct = default) => GetAsync<DeviceView>($"api/devices/{Uri.EscapeDataString(id)}", ct);
    public Task<List<PackageView>> PackagesAsync(CancellationToken ct = default) => GetAsync<List<PackageView>>("api/packages", ct);

    public Task<List<DecisionView>> SetBudgetAsync(BudgetRequest request, CancellationToken ct = default) =>
        SendAsync<List<DecisionView>>(HttpMethod.Post, "api/budget", JsonContent.Create(request, options: Json), ct);

    public Task<List<DecisionView>> DeployAsync(DeployRequest request, CancellationToken ct = default) =>
        SendAsync<List<DecisionView>>(HttpMethod.Post, "api/deploy", JsonContent.Create(request, options: Json), ct);

    /// <summary>Uploads a package folder (as a tar) to the model store; returns its SHA-256 for deploy.</summary>
    public async Task<string> PublishAsync(string packageFolder, CancellationToken ct = default)
    {
        string tar = Path.Combine(Path.GetTempPath(), $"setgan-upload-{Guid.NewGuid():N}.tar");
        try
        {
            PackageArchive.Create(packageFolder, tar);
            await using var stream = File.OpenRead(tar);
            var answer = await SendAsync<JsonElement>(HttpMethod.Post, "api/packages", new StreamContent(stream), ct);
            return answer.GetProperty("sha256").GetString()!;
        }
        finally { File.Delete(tar); }
    }

    public async Task<string> AddDeviceAsync(string id, IEnumerable<string> tags, CancellationToken ct = default)
    {
        var answer = await SendAsync<JsonElement>(HttpMethod.Post, "api/devices", JsonContent.Create(new AddDeviceRequest(id, tags.ToArray()), options: Json), ct);
        return answer.GetProperty("connectionString").GetString()!;
    }

    /// <summary>Disables a device (its live connection is dropped at once) or enables it again.</summary>
    public Task<JsonElement> SetEnabledAsync(string id, bool enabled, CancellationToken ct = default) =>
        SendAsync<JsonElement>(HttpMethod.Post, $"api/devices/{Uri.EscapeDataString(id)}/{(enabled ? "enable" : "revoke")}", null, ct);

    /// <summary>Removes a device and its key for good.</summary>
    public Task<JsonElement> RemoveDeviceAsync(string id, CancellationToken ct = default) =>
        SendAsync<JsonElement>(HttpMethod.Delete, $"api/devices/{Uri.EscapeDataString(id)}", null, ct);

    private Task<T> GetAsync<T>(string path, CancellationToken ct) => SendAsync<T>(HttpMethod.Get, path, null, ct);

    private async Task<T> SendAsync<T>(HttpMethod method, string path, HttpContent? content, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        HttpResponseMessage response;
        try { response = await http.SendAsync(request, ct); }
        catch (HttpRequestException e) { throw new FleetApiException(0, $"the fleet service at {http.BaseAddress} does not answer ({e.Message}); is `setgan fleet serve` running?"); }
        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                string text = await response.Content.ReadAsStringAsync(ct);
                string message = text;
                try { message = JsonDocument.Parse(text).RootElement.GetProperty("error").GetString() ?? text; }
                catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException) { }
                throw new FleetApiException((int)response.StatusCode, $"{(int)response.StatusCode} {response.ReasonPhrase}: {message}");
            }
            return await response.Content.ReadFromJsonAsync<T>(Json, ct) ?? throw new FleetApiException((int)response.StatusCode, $"{path}: empty answer");
        }
    }

    public void Dispose() => http.Dispose();
}
