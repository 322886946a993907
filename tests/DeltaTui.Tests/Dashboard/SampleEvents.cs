using DeltaTui.Core.Events;

namespace DeltaTui.Tests.Dashboard;

internal static class SampleEvents
{
    public static readonly DateTimeOffset T0 = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);

    public static RunStarted Started(int total = 200) =>
        new("demo-run", "embedded-tiny-gemma3", "cpu", total, "runs/demo-run", 1_234_567, "bsr-adamw", "sigmoid") { Time = T0 };

    public static StepCompleted Step(int step, double loss = 0.6, int total = 200) =>
        new(step, total, new Dictionary<string, double>
        {
            ["loss"] = loss, ["rewards/margins"] = 0.1 * step / total, ["rewards/accuracies"] = 0.5 + 0.4 * step / total,
            ["tokens_per_second"] = 4321, ["learning_rate"] = 5e-4,
        }) { Time = T0.AddSeconds(step) };

    public static IouSnapshot Iou(int step) => new(step,
        new Dictionary<string, double>
        {
            ["iou/momentum_vs_magnitude"] = 0.412, ["iou/momentum_vs_magnitude/chance"] = 0.053,
            ["iou/fisher_vs_magnitude"] = 0.231, ["iou/fisher_vs_magnitude/chance"] = 0.053,
            ["iou/magnitude_vs_prev"] = 0.9, ["iou/momentum_vs_prev"] = 0.8, ["iou/fisher_vs_prev"] = 0.7,
        },
        [
            new TensorIou("fisher_vs_magnitude", "model.layers.0.mlp.up_proj.weight", 100, 120, 40, 180, 40.0 / 180, 0.4, 40.0 / 120, 0.05),
            new TensorIou("fisher_vs_magnitude", "model.layers.1.self_attn.q_proj.weight", 50, 50, 50, 50, 1.0, 1.0, 1.0, 0.05),
        ]) { Time = T0.AddSeconds(step) };

    public static DeltaStatsComputed Delta(int step) => new(step,
    [
        new TensorDelta("model.embed_tokens.weight", 1000, 0.5, 0.001, 0.01, 0.2),
        new TensorDelta("model.layers.0.self_attn.q_proj.weight", 100, 0.3, 0.02, 0.02, 0.9),
        new TensorDelta("model.layers.0.mlp.down_proj.weight", 200, 0.4, 0.03, 0.05, 0.8),
        new TensorDelta("model.layers.0.input_layernorm.weight", 10, 0.01, 0.005, 0.001, 0.5),
    ]) { Time = T0.AddSeconds(step) };

    public static GpuSnapshot Gpu() => new(
    [
        new GpuReading(0, "NVIDIA H100 80GB HBM3", 87, 40, 30L << 30, 80L << 30, 312, 700, 51, 1980, 1980, 2619, 2619,
            [], 1200, 300, [new GpuProcess(4242, "dotnet", 29L << 30, true)], new Dictionary<string, string>(), null, T0),
    ], null, T0) { Time = T0 };
}
