using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using SetGan.Core.Energy;
using SetGan.Core.Link;
using SetGan.Core.Packaging;
using SetGan.Hub;

namespace SetGan.Fleet.Service;

/// <summary>A budget for one device, every device with a tag, or (with neither) none: joules per image, or watts at an image rate.</summary>
public sealed record BudgetRequest(string? Device, string? Tag, double? JoulesPerImage, double? Watts, double? ImagesPerMinute);

/// <summary>Send a published package (its SHA-256, or a unique prefix) to one device or every device with a tag.</summary>
public sealed record DeployRequest(string Package, string? Device, string? Tag);

/// <summary>Register a device (with tags); the answer holds its connection string.</summary>
public sealed record AddDeviceRequest(string Id, string[]? Tags);

/// <summary>
/// The operators' HTTP API under /api (bearer token, or the dashboard's cookie): devices, power, images,
/// packages with their quality-energy curves, budgets and deployments. Errors are {"error": "..."} with
/// 400 (bad request), 401, 404 or 409 (the device cannot be reached now).
/// </summary>
public static class FleetApi
{
    public const string TokenCookie = "setgan_token";

    public static void Map(WebApplication app, FleetService service, PowerHistory power)
    {
        app.Use(async (context, next) =>
        {
            // A body that is not the JSON a route takes gets the reason, not a bare 400 (ThrowOnBadRequest is set in the service).
            try { await next(context); }
            catch (BadHttpRequestException e) when (!context.Response.HasStarted)
            {
                context.Response.StatusCode = e.StatusCode;
                await context.Response.WriteAsJsonAsync(new { error = $"bad request: {e.InnerException?.Message ?? e.Message}" });
            }
        });
        app.Use(async (context, next) =>
        {
            if (context.Request.Path.StartsWithSegments("/api") && !Authorized(context, service.Token))
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                await context.Response.WriteAsJsonAsync(new { error = "missing or wrong admin token (Authorization: Bearer TOKEN; the token is in the service's admin.token)" });
                return;
            }
            await next(context);
        });
        var api = app.MapGroup("/api");
        var hub = service.Hub;

        api.MapGet("/health", () => Results.Ok(new { status = "ok", devices = hub.Devices.List().Count, packages = service.Controller.Packages.Count }));
        api.MapGet("/devices", () => Results.Ok(service.Views.Devices()));
        api.MapGet("/devices/{id}", (string id) => service.Views.Device(id) is { } d ? Results.Ok(d) : NotFound(id));
        api.MapPost("/devices", (AddDeviceRequest request) => Guard(() =>
        {
            hub.Devices.Add(request.Id);
            foreach (string tag in request.Tags ?? []) hub.Devices.AddTag(request.Id, tag);
            return Results.Ok(new { id = request.Id, connectionString = hub.ConnectionString(request.Id) });
        }));
        // Revocation takes effect at once: the hub drops the device's live connection and refuses its next ones.
        api.MapPost("/devices/{id}/revoke", (string id) => Guard(() => Enable(hub, id, false)));
        api.MapPost("/devices/{id}/enable", (string id) => Guard(() => Enable(hub, id, true)));
        api.MapDelete("/devices/{id}", (string id) => Guard(() =>
            hub.Devices.Remove(id) ? Results.Ok(new { id, removed = true }) : NotFound(id)));
        api.MapGet("/devices/{id}/power", (string id) =>
        {
            var (points, estimated) = power.Of(id);
            return Results.Ok(new { device = id, estimated, points = points.Select(p => new { t = p.Time.ToUnixTimeMilliseconds(), w = p.Watts }) });
        });
        api.MapGet("/devices/{id}/images", (string id, int? latest) => Results.Ok(service.Views.Images(id, Math.Clamp(latest ?? 6, 1, 100))));
        api.MapGet("/devices/{id}/images/{image}.png", (string id, string image) =>
            hub.Telemetry.Image(id, image) is { } record && File.Exists(record.Path)
                ? Results.File(record.Path, "image/png")
                : Error(StatusCodes.Status404NotFound, $"device '{id}' sent no image '{image}'"));
        api.MapGet("/packages", () => Results.Ok(service.Views.Packages()));
        api.MapPost("/packages", (HttpRequest request, CancellationToken ct) => GuardAsync(async () =>
        {
            var published = await service.Models.AddArchiveAsync(request.Body, ct);
            return Results.Ok(new { sha256 = published.Reference.Sha256, scales = published.Manifest.Scales.Count, sourceImage = published.Manifest.SourceImage });
        })).DisableAntiforgery();
        api.MapPost("/budget", (BudgetRequest request, CancellationToken ct) => GuardAsync(async () =>
        {
            var budget = ParseBudget(request);
            var targets = Targets(hub, request.Device, request.Tag);
            if (request.Tag is not null && service.Hub.Groups.Get(request.Tag) is not null)
                service.Hub.Groups.SetDesired(request.Tag, new JsonObject { [TwinProperties.Budget] = budget.ToJson() }); // devices that enroll later start with it too
            var decisions = new List<DecisionView>();
            foreach (string device in targets)
                decisions.Add(View(device, await service.Controller.SetBudgetAsync(device, budget, ct)));
            return Results.Ok(decisions);
        }));
        api.MapPost("/deploy", (DeployRequest request, CancellationToken ct) => GuardAsync(async () =>
        {
            var matches = service.Controller.Packages.Values.Where(p => p.Reference.Sha256.StartsWith(request.Package, StringComparison.OrdinalIgnoreCase)).ToList();
            if (request.Package.Length < 6 || matches.Count != 1)
                return Error(StatusCodes.Status404NotFound, matches.Count > 1
                    ? $"'{request.Package}' names {matches.Count} packages; give more of the SHA-256"
                    : $"no published package has SHA-256 '{request.Package}' (6 or more hex digits); publish it first (POST /api/packages, or `setgan fleet deploy FOLDER`)");
            var decisions = new List<DecisionView>();
            foreach (string device in Targets(hub, request.Device, request.Tag))
                decisions.Add(View(device, await service.Controller.DeployAsync(device, matches[0].Reference, ct)));
            return Results.Ok(decisions);
        }));
        JobsApi.Map(api, service);
        api.MapGet("/public-key", () => Results.Text(File.ReadAllText(service.PublicKeyPath), "application/x-pem-file"));
    }

    private static IResult Enable(IDeviceHub hub, string id, bool enabled)
    {
        hub.Devices.SetEnabled(id, enabled);
        return Results.Ok(new { id, enabled, connected = hub.IsConnected(id) });
    }

    private static bool Authorized(HttpContext context, string token)
    {
        string? header = context.Request.Headers.Authorization;
        string? presented = header is not null && header.StartsWith("Bearer ", StringComparison.Ordinal) ? header["Bearer ".Length..].Trim()
            : context.Request.Cookies[TokenCookie];
        return AdminToken.Matches(token, presented);
    }

    private static BudgetSettings ParseBudget(BudgetRequest r)
    {
        if (r.JoulesPerImage is null && (r.Watts is null || r.ImagesPerMinute is null))
            throw new ArgumentException("give a budget: joulesPerImage, or watts with imagesPerMinute");
        var json = BudgetSettings.Patch(r.JoulesPerImage, r.Watts, r.ImagesPerMinute);
        var parsed = DesiredConfig.Parse(new JsonObject { [TwinProperties.Budget] = json }, out var errors);
        return parsed?.Budget ?? throw new ArgumentException(string.Join("; ", errors));
    }

    private static IReadOnlyList<string> Targets(IDeviceHub hub, string? device, string? tag)
    {
        if ((device is null) == (tag is null)) throw new ArgumentException("name one device or one tag");
        if (device is not null)
            return hub.Devices.Get(device) is null ? throw new KeyNotFoundException($"device '{device}' is not registered") : [device];
        var tagged = hub.Devices.Tagged(tag!);
        return tagged.Count > 0 ? tagged : throw new KeyNotFoundException($"no device carries the tag '{tag}'");
    }

    private static DecisionView View(string device, KStarDecision? d) => d is null
        ? new(device, null, true, null, "stored", "no package deployed yet: the budget is kept, and k* is planned when a package is deployed")
        : new(device, d.K, d.Feasible, d.Energy?.ToString().ToLowerInvariant(), d.Budget, d.Reason);

    private static IResult Guard(Func<IResult> action)
    {
        try { return action(); }
        catch (Exception e) when (ErrorFor(e) is { } error) { return error; }
    }

    private static async Task<IResult> GuardAsync(Func<Task<IResult>> action)
    {
        try { return await action(); }
        catch (Exception e) when (ErrorFor(e) is { } error) { return error; }
    }

    /// <summary>The operator's error for what an action threw; null for anything else (a bug: ASP.NET answers 500 and logs it).</summary>
    private static IResult? ErrorFor(Exception e) => e switch
    {
        KeyNotFoundException => Error(StatusCodes.Status404NotFound, e.Message),
        DeviceNotConnectedException => Error(StatusCodes.Status409Conflict, e.Message),
        ArgumentException or InvalidOperationException or PackageException or ProfileException or InvalidDataException => Error(StatusCodes.Status400BadRequest, e.Message),
        _ => null,
    };

    private static IResult NotFound(string id) => Error(StatusCodes.Status404NotFound, $"device '{id}' is not registered");

    private static IResult Error(int status, string message) => Results.Json(new { error = message }, statusCode: status);
}
