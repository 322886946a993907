using DeltaTui.Torch.Runtime;
using static TorchSharp.torch;

namespace DeltaTui.Gemma;

/// <summary>
/// Additive attention masks. A query at q sees key k when k ≤ q, the key is not padding, and for
/// sliding layers q − window &lt; k. Hidden entries get the dtype's most negative finite value (as
/// transformers' eager path does) rather than −∞, so a query row with nothing visible (a padded
/// position past the window) softmaxes to finite values instead of NaN.
/// </summary>
public static class AttentionMasks
{
    public static Tensor Additive(Tensor? paddingMask, long length, int? slidingWindow, ScalarType dtype, Device device)
    {
        using var scope = NewDisposeScope();
        var query = arange(length, device: device).view(length, 1);
        var key = arange(length, device: device).view(1, length);
        var visible = key <= query;
        if (slidingWindow is { } window)
        {
            visible = visible & (key > query - Scalars.OfInteger(window));
        }
        visible = visible.view(1, 1, length, length);
        if (paddingMask is not null)
        {
            visible = visible & paddingMask.to(device).to_type(ScalarType.Bool).view(paddingMask.shape[0], 1, 1, length);
        }
        var additive = zeros(visible.shape, dtype: dtype, device: device).masked_fill(visible.logical_not(), Scalars.Of(finfo(dtype).min));
        return additive.MoveToOuterDisposeScope();
    }
}
