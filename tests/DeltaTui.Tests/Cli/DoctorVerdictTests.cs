using DeltaTui.Cli;
using DeltaTui.Training.Config;
using DeltaTui.Torch.Runtime;
using Xunit;

namespace DeltaTui.Tests.Cli;

public class DoctorVerdictTests
{
    private static readonly RuntimeReport Healthy = new(
        DotNetVersion: "10.0.0", DotNetHost: "/usr/bin/dotnet", TorchSharpVersion: "0.107.0", LibTorchVersion: "2.10.0",
        LibTorchPath: "/app/libtorch_cpu.so", LibTorchOrigin: "bundled with TorchSharp", TorchWorks: true, TorchError: null,
        ProcessorCount: 2, TorchThreads: 2,
        Cuda: new CudaInfo(false, 0, [], "this libtorch has no CUDA support (CPU build)"),
        Native: new NativeLibraryInfo(true, "/app/libdeltatui_native.so", "cpu", 1, 0, 2, null),
        Compat: new CompatRuntimeInfo(false, null, "/lib64/ld-linux-x86-64.so.2", "/usr/lib/libstdc++.so.6", "2.39"));

    private static DeltaTuiOptions ValidConfig(string path) => new();

    [Fact]
    public void Given_everything_present_on_a_cpu_machine_When_the_device_is_auto_Then_it_is_ready()
    {
        DoctorVerdict verdict = DoctorVerdict.Evaluate(Healthy, "auto", "configs/demo.json", ValidConfig);

        Assert.True(verdict.Ready);
        Assert.Equal(["torch", "cuda", "native library", "config", "compat runtime"], verdict.Checks.Select(c => c.Name));
    }

    [Theory]
    [InlineData("cuda")]
    [InlineData("cuda:0")]
    public void Given_no_cuda_When_the_run_asks_for_cuda_Then_it_is_not_ready(string device)
    {
        DoctorVerdict verdict = DoctorVerdict.Evaluate(Healthy, device, "configs/demo.json", ValidConfig);

        Assert.False(verdict.Ready);
        DoctorCheck cuda = verdict.Checks.Single(c => c.Name == "cuda");
        Assert.Equal($"run.device is {device}, but CUDA is not available: this libtorch has no CUDA support (CPU build)", cuda.Detail);
    }

    [Fact]
    public void Given_two_gpus_When_the_run_asks_for_a_third_Then_it_is_not_ready_and_the_visible_ones_are_named()
    {
        RuntimeReport twoGpus = Healthy with { Cuda = new CudaInfo(true, 2, ["NVIDIA H100", "NVIDIA H100"], null, Computes: true) };

        DoctorVerdict onOne = DoctorVerdict.Evaluate(twoGpus, "cuda:1", "c.json", ValidConfig);
        DoctorVerdict onThree = DoctorVerdict.Evaluate(twoGpus, "cuda:2", "c.json", ValidConfig);

        Assert.True(onOne.Ready);
        Assert.False(onThree.Ready);
        Assert.Equal("run.device is cuda:2, but only 2 device(s) are visible: 0: NVIDIA H100, 1: NVIDIA H100",
            onThree.Checks.Single(c => c.Name == "cuda").Detail);
    }

    [Fact]
    public void Given_a_gpu_that_does_not_compute_When_the_run_asks_for_cuda_Then_it_is_not_ready_with_the_reason()
    {
        RuntimeReport failing = Healthy with { Cuda = new CudaInfo(true, 1, ["NVIDIA H200"], "CUDA does not compute: no kernel image is available", Computes: false) };

        DoctorVerdict onCuda = DoctorVerdict.Evaluate(failing, "cuda", "c.json", ValidConfig);
        DoctorVerdict onAuto = DoctorVerdict.Evaluate(failing, "auto", "c.json", ValidConfig);

        Assert.False(onCuda.Ready);
        Assert.True(onAuto.Ready);
        Assert.Equal("1 device(s) (0: NVIDIA H200), but CUDA does not compute: no kernel image is available", onCuda.Checks.Single(c => c.Name == "cuda").Detail);
    }

    [Fact]
    public void Given_no_native_library_When_evaluating_Then_it_is_not_ready_and_says_how_to_get_it()
    {
        RuntimeReport noNative = Healthy with { Native = new NativeLibraryInfo(false, null, null, 0, 0, 0, "libdeltatui_native.so not found next to the application") };

        DoctorVerdict verdict = DoctorVerdict.Evaluate(noNative, "auto", "c.json", ValidConfig);

        Assert.False(verdict.Ready);
        Assert.Contains("rebuild with `dotnet build`", verdict.Checks.Single(c => c.Name == "native library").Detail);
    }

    [Fact]
    public void Given_torch_that_does_not_start_When_evaluating_Then_it_is_not_ready_with_the_reason()
    {
        RuntimeReport broken = Healthy with { TorchWorks = false, TorchError = "version `GLIBCXX_3.4.32' not found" };

        DoctorVerdict verdict = DoctorVerdict.Evaluate(broken, "auto", "c.json", ValidConfig);

        Assert.False(verdict.Ready);
        Assert.Equal("TorchSharp does not start: version `GLIBCXX_3.4.32' not found", verdict.Checks[0].Detail);
    }

    [Fact]
    public void Given_the_compat_runtime_is_not_needed_When_evaluating_Then_it_never_blocks_a_run()
    {
        DoctorVerdict verdict = DoctorVerdict.Evaluate(Healthy, "auto", "c.json", ValidConfig);

        DoctorCheck compat = verdict.Checks.Single(c => c.Name == "compat runtime");
        Assert.False(compat.Required);
        Assert.Equal("not needed: system loader, glibc 2.39", compat.Detail);
    }

    [Fact]
    public void Given_a_config_that_fails_to_load_When_evaluating_Then_every_problem_is_in_the_detail()
    {
        DeltaTuiOptions Invalid(string path) => throw new ConfigException(
        [
            new ConfigProblem("dpo.beta", "command line --dpo.beta", "-1 is out of range: must be > 0 and <= 1000"),
            new ConfigProblem("run.device", path, "'gpu' is not a device: use auto, cpu, cuda or cuda:N"),
        ]);

        DoctorVerdict verdict = DoctorVerdict.Evaluate(Healthy, "auto", "x.json", Invalid);

        Assert.False(verdict.Ready);
        Assert.Equal(
            "dpo.beta: -1 is out of range: must be > 0 and <= 1000 (command line --dpo.beta); run.device: 'gpu' is not a device: use auto, cpu, cuda or cuda:N (x.json)",
            verdict.Checks.Single(c => c.Name == "config").Detail);
    }
}
