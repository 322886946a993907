using DeltaTui.Telemetry;
using Xunit;

namespace DeltaTui.Training.Tests.Telemetry;

public class NvmlLibraryTests
{
    [Fact]
    public void Given_an_override_file_When_listing_candidates_Then_it_comes_first_then_the_soname_and_the_container_folder()
    {
        var candidates = NvmlLibrary.Candidates("/opt/driver/libnvidia-ml.so.550");

        Assert.Equal("/opt/driver/libnvidia-ml.so.550", candidates[0]);
        Assert.Equal("libnvidia-ml.so.1", candidates[1]);
        Assert.Equal("/usr/local/nvidia/lib64/libnvidia-ml.so.1", candidates[2]);
    }

    [Fact]
    public void Given_an_override_folder_When_listing_candidates_Then_the_soname_inside_it_is_tried_first()
    {
        var folder = Directory.CreateTempSubdirectory("nvml").FullName;
        try
        {
            Assert.Equal(Path.Combine(folder, "libnvidia-ml.so.1"), NvmlLibrary.Candidates(folder)[0]);
        }
        finally
        {
            Directory.Delete(folder);
        }
    }

    [Fact]
    public void Given_no_override_When_listing_candidates_Then_the_loader_soname_is_first()
    {
        Assert.Equal("libnvidia-ml.so.1", NvmlLibrary.Candidates(null)[0]);
        Assert.Equal("libnvidia-ml.so.1", NvmlLibrary.Candidates("  ")[0]);
    }

    [Fact]
    public void Given_a_machine_without_libnvidia_ml_When_using_the_native_binding_Then_calls_answer_codes_instead_of_throwing()
    {
        Assert.SkipWhen(NvmlLibrary.Handle != 0, "this machine has libnvidia-ml; the GPU tests cover it");
        var nvml = new NativeNvml();

        Assert.Equal(NvmlReturn.LibraryNotFound, nvml.Init());
        Assert.Contains("/usr/local/nvidia/lib64/libnvidia-ml.so.1", nvml.LoadDiagnostics);
        Assert.Equal(NvmlReturn.FunctionNotFound, nvml.GetMemoryInfo(1, out _));
        Assert.Equal(NvmlReturn.FunctionNotFound, nvml.GetTemperature(1, out _));
        uint count = 0;
        Assert.Equal(NvmlReturn.FunctionNotFound, nvml.GetComputeRunningProcesses(1, [], ref count));
        Assert.Equal("NVML_ERROR_GPU_IS_LOST", nvml.ErrorString(NvmlReturn.GpuIsLost));
    }
}
