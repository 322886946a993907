using TorchSharp.Modules;

namespace DeltaTui.Training.Optim;

/// <summary>Builds the optimizer named in the configuration.</summary>
public static class OptimizerFactory
{
    public const string AdamW = "adamw";
    public const string AdamWTorch = "adamw-torch";
    public const string BsrAdamW = "bsr-adamw";

    /// <param name="kind">
    /// "adamw" (dense: the native fused kernel when the library loads and serves the parameters, TorchSharp's
    /// AdamW otherwise), "adamw-torch" (dense, always TorchSharp's AdamW) or "bsr-adamw" (native when the
    /// library loads, reference otherwise).
    /// </param>
    /// <param name="blockSize">BSR-AdamW block size (16, 32, 64 or 128).</param>
    /// <param name="initialLayouts">Active blocks per 2-D weight; weights not listed start with every block active.</param>
    /// <param name="note">Why the optimizer fell back to a slower backend; null otherwise.</param>
    public static IOptimizerStep Create(string kind, IEnumerable<(string Name, Parameter Parameter)> namedParameters,
        BsrAdamWOptions options, int blockSize, IReadOnlyDictionary<string, BlockLayout>? initialLayouts, out string? note)
    {
        note = null;
        switch (kind)
        {
            case AdamW:
                var named = namedParameters.ToList();
                if (NativeAdamWStep.Unsupported(named) is { } why)
                {
                    note = $"dense AdamW falls back to TorchSharp's optimizer (about ten kernels per parameter and step): {why}";
                    return new TorchAdamWStep(named, options);
                }
                return new NativeAdamWStep(named, options);
            case AdamWTorch:
                return new TorchAdamWStep(namedParameters, options);
            case BsrAdamW:
                if (!BlockLayout.SupportedBlockSizes.Contains(blockSize))
                    throw new ArgumentException($"optimizer block size {blockSize} is not one of {string.Join(", ", BlockLayout.SupportedBlockSizes)}");
                var parameters = namedParameters.Select(np =>
                {
                    var t = (TorchSharp.torch.Tensor)np.Parameter;
                    BlockLayout? layout = null;
                    if (t.ndim == 2)
                    {
                        layout = initialLayouts is not null && initialLayouts.TryGetValue(np.Name, out var given)
                            ? given
                            : BlockLayout.Dense(t.shape[0], t.shape[1], blockSize);
                    }
                    return new BsrParameter(np.Name, t, layout);
                }).ToList();
                return new BsrAdamWStep(BsrAdamWFactory.Create(parameters, options, out note));
            default:
                throw new ArgumentException($"unknown optimizer '{kind}'; expected '{AdamW}', '{AdamWTorch}' or '{BsrAdamW}'");
        }
    }
}
