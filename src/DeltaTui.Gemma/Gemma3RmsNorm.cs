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
    private readonly ReturnedGradients _returned;

    /// <param name="returned">The owning model's <see cref="Gemma3ForCausalLM.ReturnedGradients"/>; a norm used on its own gets its own.</param>
    public Gemma3RmsNorm(long dimension, double eps, ScalarType dtype, Device device, ReturnedGradients? returned = null) : base(nameof(Gemma3RmsNorm))
    {
        _eps = eps;
        _returned = returned ?? new ReturnedGradients();
        Weight = nn.Parameter(zeros(dimension, dtype: dtype, device: device));
        register_parameter("weight", Weight);
    }

    public Parameter Weight { get; }

    /// <summary>
    /// Whether a CUDA input goes through libdeltatui_native's fused kernels (one autograd node that keeps the
    /// input and one rstd per row) instead of the TorchSharp ops below; both compute the same fp32 formula.
    /// </summary>
    public bool Native { get; set; } = true;

    /// <summary>
    /// For tests: lets this norm use the library's CPU backend too (it uses the kernels on CUDA only). A property of the
    /// norm, not of the calling thread or async flow, because gradient checkpointing re-runs layers on libtorch's autograd thread.
    /// </summary>
    internal bool NativeOnCpu { get; set; }

    public override Tensor forward(Tensor input)
    {
        if (Native && NativeRmsNormFunction.Applies(input, Weight, NativeOnCpu)) return NativeRmsNormFunction.Run(input, Weight, _eps, _returned);
        using var scope = NewDisposeScope();
        var x = input.to_type(ScalarType.Float32);
        var normalized = x * x.pow(Scalars.Of(2)).mean([-1], keepdim: true).Plus(_eps).rsqrt();
        var scaled = normalized * Weight.to_type(ScalarType.Float32).Plus(1.0);
        return scaled.to_type(input.dtype).MoveToOuterDisposeScope();
    }
}
