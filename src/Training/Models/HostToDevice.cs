using DeltaTui.Training.Dpo;
using static TorchSharp.torch;

namespace DeltaTui.Training.Models;

/// <summary>
/// Copies host data to the training device without waiting for it. A plain copy from pageable memory
/// makes the host wait until the GPU has finished everything queued before it, which in the middle of
/// a step (the next micro-batch, cached reference log-probs) stalls the host behind the backward pass.
/// From page-locked memory the copy is queued like a kernel; the allocator keeps the page-locked block
/// until the copy has run, so the host tensor can be released at once.
/// </summary>
public static class HostToDevice
{
    public static Tensor Copy(long[] values, long[] shape, Device device) => Place(tensor(values, shape), device);

    public static Tensor Copy(float[] values, Device device) => Place(tensor(values), device);

    /// <param name="host">A CPU tensor: returned as it is for the CPU, released otherwise.</param>
    private static Tensor Place(Tensor host, Device device)
    {
        if (device.type == TorchSharp.DeviceType.CPU) return host;
        using (host)
        {
            if (device.type != TorchSharp.DeviceType.CUDA) return host.to(device);
            using var pinned = host.pin_memory();
            return pinned.to(device, non_blocking: true);
        }
    }
}
