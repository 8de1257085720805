using System.Globalization;
using System.Net.Http.Headers;
using SetGan.Fleet.Jobs;
using SetGan.Fleet.Service;

namespace SetGan.Fleet.Client;

/// <summary>Training jobs over the API: submit an image with its settings, list the jobs, follow one, cancel one.</summary>
public sealed partial class FleetClient
{
    /// <summary>Submits the image (named <see cref="TrainingRequest.ImageName"/>) as multipart/form-data, as a browser form would.</summary>
    public Task<JobView> SubmitJobAsync(TrainingRequest request, byte[] image, CancellationToken ct = default)
    {
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(image);
        file.Headers.ContentType = new MediaTypeHeaderValue(Path.GetExtension(request.ImageName).ToLowerInvariant() == ".png" ? "image/png" : "image/jpeg");
        form.Add(file, "image", request.ImageName);
        form.Add(new StringContent(request.Preset), "preset");
        form.Add(new StringContent(request.Mode), "mode");
        if (request.Iterations is { } n) form.Add(new StringContent(n.ToString(CultureInfo.InvariantCulture)), "iterations");
        if (request.MaxSize is { } px) form.Add(new StringContent(px.ToString(CultureInfo.InvariantCulture)), "maxSize");
        form.Add(new StringContent(request.Seed.ToString(CultureInfo.InvariantCulture)), "seed");
        form.Add(new StringContent(request.Precision), "precision");
        return SendAsync<JobView>(HttpMethod.Post, "api/jobs", form, ct);
    }

    public Task<List<JobView>> JobsAsync(CancellationToken ct = default) => GetAsync<List<JobView>>("api/jobs", ct);

    public Task<JobView> JobAsync(string id, CancellationToken ct = default) => GetAsync<JobView>($"api/jobs/{Uri.EscapeDataString(id)}", ct);

    /// <summary>Cancels a queued or running job; its worker stops training at its next lease renewal.</summary>
    public Task<JobView> CancelJobAsync(string id, string? reason = null, CancellationToken ct = default) =>
        SendAsync<JobView>(HttpMethod.Post, $"api/jobs/{Uri.EscapeDataString(id)}/cancel" + (reason is null ? "" : $"?reason={Uri.EscapeDataString(reason)}"), null, ct);
}
