using System.Text.Json;
using System.Text.Json.Serialization;

namespace SetGan.Fleet.Jobs;

/// <summary>
/// The stored form of a job (Azure's job.json; SQLite keeps the request the same way): the job, the
/// token of the lease holding it, and the model store's name for its package once it succeeded.
/// </summary>
internal sealed record JobRecord(TrainingJob Job, string? Lease, string? Package);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UseStringEnumConverter = true,
    RespectRequiredConstructorParameters = true, RespectNullableAnnotations = true)]
[JsonSerializable(typeof(JobRecord))]
[JsonSerializable(typeof(TrainingRequest))]
internal sealed partial class JobJson : JsonSerializerContext
{
    /// <summary>Parses a stored record, or says why it cannot be read.</summary>
    public static JobRecord? ReadRecord(BinaryData json, out string? error)
    {
        try
        {
            var record = JsonSerializer.Deserialize(json, Default.JobRecord);
            error = record is null ? "it is null" : JobIds.IsValid(record.Job.Id) ? null : $"its id '{record.Job.Id}' is not a job id";
            return error is null ? record : null;
        }
        catch (JsonException e)
        {
            error = e.Message;
            return null;
        }
    }

    public static TrainingRequest? ReadRequest(string json, out string? error)
    {
        try
        {
            var request = JsonSerializer.Deserialize(json, Default.TrainingRequest);
            error = request is null ? "it is null" : null;
            return request;
        }
        catch (JsonException e)
        {
            error = e.Message;
            return null;
        }
    }
}
