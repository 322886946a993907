using System.Runtime.InteropServices;

namespace DeltaTui.Torch.Interop;

/// <summary>Owns a native plan (optimizer state on its device); released exactly once.</summary>
public sealed class BsrAdamWPlanHandle : SafeHandle
{
    public BsrAdamWPlanHandle() : base(IntPtr.Zero, ownsHandle: true) { }

    public BsrAdamWPlanHandle(IntPtr plan) : base(IntPtr.Zero, ownsHandle: true) => SetHandle(plan);

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle() => NativeMethods.dtn_plan_destroy(handle) == 0;
}
