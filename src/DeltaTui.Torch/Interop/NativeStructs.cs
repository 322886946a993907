using System.Runtime.InteropServices;

namespace DeltaTui.Torch.Interop;

// Mirrors of the structs in src/Native/include/deltatui_native.h; field order and sizes must match.

[StructLayout(LayoutKind.Sequential)]
public struct DtnBackendInfo
{
    public int AbiVersion;
    public int CudaCompiled;
    public int CudaDeviceCount;
    public int OpenMpThreads;
    public int TokenLogProbsCuda;
}

[StructLayout(LayoutKind.Sequential)]
public unsafe struct DtnTensorDesc
{
    public void* Param;
    public void* Grad;
    public long Rows;
    public long Cols;
    public long ParamLd;
    public long GradLd;
    public int Kind;
    public int DType;
    public int BlockSize;
    public int Reserved;
    public int* RowPtr;
    public int* ColIdx;
}

[StructLayout(LayoutKind.Sequential)]
public unsafe struct DtnStepArgs
{
    public double LearningRate;
    public double Beta1;
    public double Beta2;
    public double Eps;
    public double WeightDecay;
    public double BiasCorrection1;
    public double BiasCorrection2;
    public double MaxGradNorm;
    public int ComputeNorm;
    public int Reserved;
    public ulong Step;
    public float* GradNorm;
}

[StructLayout(LayoutKind.Sequential)]
public struct DtnStepResult
{
    public double GradNorm;
    public int Finite;
    public int Applied;
}

public static class DtnConstants
{
    public const int AbiVersion = 6;
    public const int DeviceCpu = 0;
    public const int DeviceCuda = 1;
    public const int KindBlocked = 0;
    public const int KindDense = 1;
    public const int FlagStochasticRounding = 1;

    /// <summary>DTN_RMSNORM_MAX_COLS: the widest row dtn_rmsnorm takes.</summary>
    public const long RmsNormMaxColumns = 12000;
}
