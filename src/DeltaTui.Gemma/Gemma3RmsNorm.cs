using DeltaTui.Torch.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DeltaTui.Gemma;

/// <summary>
/// Gemma's RMSNorm: computed in fp32 as <c>x·rsqrt(mean(x²)+eps)·(1+w)</c>, then cast back. The
/// weight is stored as an offset from one, so a zero weight is the identity scale.
/// </summary>
public sealed class Gemma3RmsNorm : nn.Module<Tensor, Tensor>
{
    private readonly double _eps;

    public Gemma3RmsNorm(long dimension, double eps, ScalarType dtype, Device device) : base(nameof(Gemma3RmsNorm))
    {
        _eps = eps;
        Weight = nn.Parameter(zeros(dimension, dtype: dtype, device: device));
        register_parameter("weight", Weight);
    }

    public Parameter Weight { get; }

    /// <summary>
    /// Whether a CUDA input goes through libdeltatui_native's fused kernels (one autograd node that keeps the
    /// input and one rstd per row) instead of the TorchSharp ops below; both compute the same fp32 formula.
    /// </summary>
    public bool Native { get; set; } = true;

    public override Tensor forward(Tensor input)
    {
        if (Native && NativeRmsNormFunction.Applies(input, Weight)) return NativeRmsNormFunction.Run(input, Weight, _eps);
        using var scope = NewDisposeScope();
        var x = input.to_type(ScalarType.Float32);
        var normalized = x * x.pow(Scalars.Of(2)).mean([-1], keepdim: true).Plus(_eps).rsqrt();
        var scaled = normalized * Weight.to_type(ScalarType.Float32).Plus(1.0);
        return scaled.to_type(input.dtype).MoveToOuterDisposeScope();
    }
}
