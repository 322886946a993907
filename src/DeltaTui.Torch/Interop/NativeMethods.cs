using System.Runtime.InteropServices;

namespace DeltaTui.Torch.Interop;

/// <summary>The C ABI of libdeltatui_native (src/Native/include/deltatui_native.h).</summary>
public static unsafe partial class NativeMethods
{
    public const string LibraryName = "deltatui_native";

    static NativeMethods() => NativeLibraryResolver.Register();

    [LibraryImport(LibraryName)]
    public static partial IntPtr dtn_last_error();

    [LibraryImport(LibraryName)]
    public static partial int dtn_backend_info_get(DtnBackendInfo* info);

    [LibraryImport(LibraryName)]
    public static partial int dtn_plan_create(int deviceType, int deviceIndex, DtnTensorDesc* tensors, int tensorCount,
        int flags, ulong seed, IntPtr* plan);

    [LibraryImport(LibraryName)]
    public static partial int dtn_plan_destroy(IntPtr plan);

    [LibraryImport(LibraryName)]
    public static partial int dtn_plan_step(BsrAdamWPlanHandle plan, DtnStepArgs* args, void** parameters, void** grads,
        DtnStepResult* result);

    [LibraryImport(LibraryName)]
    public static partial int dtn_plan_grad_norm(BsrAdamWPlanHandle plan, void** parameters, void** grads, float* norm);

    [LibraryImport(LibraryName)]
    public static partial int dtn_plan_global_grad_norm(BsrAdamWPlanHandle plan, void** parameters, void** grads, float* norm);

    [LibraryImport(LibraryName)]
    public static partial int dtn_plan_zero_grads(BsrAdamWPlanHandle plan, void** parameters, void** grads);

    [LibraryImport(LibraryName)]
    public static partial int dtn_plan_accumulate_squares(BsrAdamWPlanHandle plan, void** parameters, void** grads, float** accumulators,
        double keep, double weight);

    [LibraryImport(LibraryName)]
    public static partial int dtn_rmsnorm(int deviceType, int deviceIndex, int dtype, void* x, void* weight, long rows, long cols,
        double eps, void* y, float* rstd);

    [LibraryImport(LibraryName)]
    public static partial int dtn_rmsnorm_workspace(long rows, long cols, long* floats);

    [LibraryImport(LibraryName)]
    public static partial int dtn_rmsnorm_backward(int deviceType, int deviceIndex, int dtype, void* x, void* weight, float* rstd,
        void* dy, long rows, long cols, void* dx, float* dweight, float* workspace);

    [LibraryImport(LibraryName)]
    public static partial int dtn_plan_set_active(BsrAdamWPlanHandle plan, int tensorIndex, int* rowPtr, int* colIdx,
        long nnzBlocks);

    [LibraryImport(LibraryName)]
    public static partial int dtn_plan_state_size(BsrAdamWPlanHandle plan, int tensorIndex, long* nnzBlocks, long* elements,
        int* hasMaster);

    [LibraryImport(LibraryName)]
    public static partial int dtn_plan_get_state(BsrAdamWPlanHandle plan, int tensorIndex, void* expAvg, void* expAvgSq,
        void* master);

    [LibraryImport(LibraryName)]
    public static partial int dtn_plan_set_state(BsrAdamWPlanHandle plan, int tensorIndex, void* expAvg, void* expAvgSq,
        void* master);

    [LibraryImport(LibraryName)]
    public static partial int dtn_plan_sync_master(BsrAdamWPlanHandle plan, void** parameters);

    [LibraryImport(LibraryName)]
    public static partial int dtn_plan_state_bytes(BsrAdamWPlanHandle plan, long* bytes);

    [LibraryImport(LibraryName)]
    public static partial int dtn_token_logprobs(int deviceType, int deviceIndex, int dtype, void* logits, long rows, long vocab,
        long ld, void* targets, void* outLogprob, void* outLse);

    [LibraryImport(LibraryName)]
    public static partial int dtn_token_logprobs_backward(int deviceType, int deviceIndex, int dtype, void* logits, long rows,
        long vocab, long ld, void* targets, void* lse, void* weight);

    /// <summary>libLibTorchSharp's accessor: the tensor's data pointer, storage offset included.</summary>
    [LibraryImport("LibTorchSharp")]
    public static partial IntPtr THSTensor_data(IntPtr tensor);

    /// <summary>libLibTorchSharp: a new native handle of the tensor's gradient (zero when it has none); free it with <see cref="THSTensor_dispose"/>.</summary>
    [LibraryImport("LibTorchSharp")]
    public static partial IntPtr THSTensor_grad(IntPtr tensor);

    /// <summary>libLibTorchSharp: frees a native tensor handle (the tensor's memory lives on while others hold it).</summary>
    [LibraryImport("LibTorchSharp")]
    public static partial void THSTensor_dispose(IntPtr tensor);

    /// <summary>Throws <see cref="NativeCallException"/> with the library's message when status is not 0.</summary>
    public static void Check(int status, string operation)
    {
        if (status == 0) return;
        var message = Marshal.PtrToStringUTF8(dtn_last_error()) ?? "(no message)";
        throw new NativeCallException(operation, status, message);
    }
}
