using DeltaTui.Torch.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DeltaTui.Gemma;

/// <summary>
/// Token embeddings multiplied by sqrt(hidden_size), the scale first rounded to the weight dtype as
/// transformers does (in bf16, sqrt(640) becomes 25.25, not 25.298…).
/// </summary>
public sealed class Gemma3ScaledEmbedding : nn.Module<Tensor, Tensor>
{
    private readonly float _scale;

    public Gemma3ScaledEmbedding(long vocabulary, long hidden, ScalarType dtype, Device device) : base(nameof(Gemma3ScaledEmbedding))
    {
        _scale = (float)Math.Sqrt(hidden);
        Weight = nn.Parameter(zeros(vocabulary, hidden, dtype: dtype, device: device));
        register_parameter("weight", Weight);
    }

    public Parameter Weight { get; }

    /// <summary>sqrt(hidden) rounded to <paramref name="dtype"/> (round to nearest even), as a host value.</summary>
    internal double ScaleIn(ScalarType dtype) => dtype switch
    {
        ScalarType.BFloat16 => RoundToBFloat16(_scale),
        ScalarType.Float16 => (double)(Half)_scale,
        _ => _scale,
    };

    private static double RoundToBFloat16(float value)
    {
        var bits = BitConverter.SingleToUInt32Bits(value);
        var rounded = (bits + 0x7FFFu + ((bits >> 16) & 1u)) & 0xFFFF0000u;
        return BitConverter.UInt32BitsToSingle(rounded);
    }

    public override Tensor forward(Tensor inputIds)
    {
        using var scope = NewDisposeScope();
        var rows = Weight.index_select(0, inputIds.reshape(-1)).view([.. inputIds.shape, Weight.shape[1]]);
        // A host scalar, not a device tensor made from host memory: that copy would wait for the GPU on every forward.
        return rows.mul(Scalars.Of(ScaleIn(Weight.dtype))).MoveToOuterDisposeScope();
    }
}
