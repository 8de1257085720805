using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using SetGan.Fleet.Jobs;

namespace SetGan.Fleet.Service;

/// <summary>
/// Training jobs under /api/jobs: POST submits an image with its settings (multipart/form-data with an "image"
/// file, or the image as the body with ?image=NAME.png), GET lists every job, GET /api/jobs/{id} one, POST
/// /api/jobs/{id}/cancel[?reason=TEXT] cancels a queued or running job (409 once it has ended). Settings
/// (preset, mode, iterations, maxSize, seed) come as form fields or query parameters. A job's package reaches
/// the model store by itself (<see cref="JobHarvester"/>); its SHA-256 then shows in the job.
/// </summary>
public static class JobsApi
{
    public static void Map(RouteGroupBuilder api, FleetService service)
    {
        api.MapPost("/jobs", (HttpRequest request, CancellationToken ct) => SubmitAsync(request, service, ct)).DisableAntiforgery();
        api.MapGet("/jobs", async (CancellationToken ct) => Results.Ok((await service.Jobs.ListAsync(ct)).Select(j => View(service, j))));
        api.MapGet("/jobs/{id}", async (string id, CancellationToken ct) =>
            JobIds.IsValid(id) && await service.Jobs.GetAsync(id, ct) is { } job ? Results.Ok(View(service, job))
                : Error(StatusCodes.Status404NotFound, $"no training job '{id}'"));
        api.MapPost("/jobs/{id}/cancel", (string id, string? reason, CancellationToken ct) => CancelAsync(id, reason, service, ct));
    }

    private static async Task<IResult> CancelAsync(string id, string? reason, FleetService service, CancellationToken ct)
    {
        if (!JobIds.IsValid(id)) return Error(StatusCodes.Status404NotFound, $"no training job '{id}'");
        try
        {
            var job = await service.Jobs.CancelAsync(id, string.IsNullOrWhiteSpace(reason) ? "cancelled by an operator" : reason.Trim(), ct);
            return Results.Ok(View(service, job));
        }
        catch (KeyNotFoundException e) { return Error(StatusCodes.Status404NotFound, e.Message); }
        catch (InvalidOperationException e) { return Error(StatusCodes.Status409Conflict, e.Message); }
    }

    private static JobView View(FleetService service, TrainingJob job) => JobView.Of(job, service.Harvester.Of(job.Id));

    private static async Task<IResult> SubmitAsync(HttpRequest http, FleetService service, CancellationToken ct)
    {
        try
        {
            var (name, image, field) = await ReadAsync(http, ct);
            var request = new TrainingRequest(name, field("preset") ?? "quick", field("mode") ?? "parallel",
                Int(field, "iterations"), Int(field, "maxSize"), Int(field, "seed") ?? 0, field("precision") ?? "float32");
            request.Validate(image);
            CheckHeader(request.ImageName, image);
            var job = await service.Jobs.SubmitAsync(request, image, ct);
            return Results.Created($"/api/jobs/{job.Id}", View(service, job));
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException or BadHttpRequestException)
        {
            return Error(StatusCodes.Status400BadRequest, e.Message);
        }
    }

    /// <summary>The image's name and bytes, and where the settings are read from (form fields first, then the query).</summary>
    private static async Task<(string Name, byte[] Image, Func<string, string?> Field)> ReadAsync(HttpRequest http, CancellationToken ct)
    {
        string? Query(string key) => http.Query[key] is { Count: > 0 } v ? v.ToString() : null;
        using var buffer = new MemoryStream();
        if (http.HasFormContentType)
        {
            var form = await http.ReadFormAsync(ct);
            var file = form.Files.GetFile("image")
                ?? throw new ArgumentException("no training image: send it as the form's file field 'image' (PNG or JPEG)");
            await file.CopyToAsync(buffer, ct);
            return (file.FileName, buffer.ToArray(), key => form[key] is { Count: > 0 } v ? v.ToString() : Query(key));
        }
        string name = Query("image")
            ?? throw new ArgumentException("no training image: POST multipart/form-data with the file field 'image', or the image as the body with ?image=NAME.png");
        await http.Body.CopyToAsync(buffer, ct);
        return (name, buffer.ToArray(), Query);
    }

    private static int? Int(Func<string, string?> field, string name) => field(name) switch
    {
        null or "" => null,
        var text when int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) => value,
        var text => throw new ArgumentException($"{name} must be a whole number, not '{text}'"),
    };

    /// <summary>
    /// The first bytes must say PNG or JPEG, as the name does: a wrong upload is refused here rather than
    /// failing on a trainer minutes later (the trainer still decodes the whole image).
    /// </summary>
    private static void CheckHeader(string name, byte[] image)
    {
        ReadOnlySpan<byte> png = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];
        string? kind = image.AsSpan().StartsWith(png) ? "PNG" : image.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]) ? "JPEG" : null;
        string named = Path.GetExtension(name).ToLowerInvariant() == ".png" ? "PNG" : "JPEG";
        if (kind is null) throw new InvalidDataException($"'{name}' is not a PNG or JPEG image (its first bytes are neither); is the file corrupt?");
        if (kind != named) throw new InvalidDataException($"'{name}' is named as a {named} but holds a {kind}; rename it");
    }

    private static IResult Error(int status, string message) => Results.Json(new { error = message }, statusCode: status);
}
