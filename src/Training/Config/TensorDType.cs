using System.Text.Json.Serialization;

namespace DeltaTui.Training.Config;

/// <summary>Floating-point types a config may name; <c>fp32</c>, <c>bf16</c> and <c>fp16</c> are accepted as aliases.</summary>
public enum TensorDType
{
    [JsonStringEnumMemberName("float32"), ConfigAlias("fp32")]
    Float32,

    [JsonStringEnumMemberName("bfloat16"), ConfigAlias("bf16")]
    BFloat16,

    [JsonStringEnumMemberName("float16"), ConfigAlias("fp16")]
    Float16,
}
