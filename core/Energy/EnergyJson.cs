using System.Text.Json.Serialization;

namespace SetGan.Core.Energy;

/// <summary>JSON of device profiles and energy profiles: snake_case, strict (unknown members are errors).</summary>
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    RespectRequiredConstructorParameters = true, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    UseStringEnumConverter = true)]
[JsonSerializable(typeof(DeviceProfile))]
[JsonSerializable(typeof(EnergyProfile))]
internal sealed partial class EnergyJson : JsonSerializerContext;
