using DeltaTui.Core.Events;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DeltaTui.Training.Sinks;

/// <summary>
/// Scalars for TensorBoard through TorchSharp's SummaryWriter: training metrics under their TRL
/// names, eval/… and iou/… as published, the aggregate weight change per step, and with training.profile
/// the milliseconds of each phase of a step as profile/&lt;phase&gt;_ms, and sample completions as text
/// (samples/&lt;who&gt;/&lt;index&gt;, markdown: prompt, chosen, rejected, completion).
/// </summary>
public sealed class TensorBoardSink(string logDirectory) : IEventSink
{
    private readonly SummaryWriter _writer = utils.tensorboard.SummaryWriter(logDirectory, "", false);

    public string LogDirectory => _writer.LogDir;

    public ValueTask HandleAsync(RunEvent e, CancellationToken cancellationToken)
    {
        switch (e)
        {
            case StepCompleted step: WriteAll(step.Metrics, step.Step); break;
            case EvalCompleted eval: WriteAll(eval.Metrics, eval.Step); break;
            case IouSnapshot iou: WriteAll(iou.Metrics, iou.Step); break;
            case StepProfiled profiled:
                foreach (var (phase, ms) in profiled.PhaseMilliseconds) _writer.add_scalar($"profile/{phase}_ms", (float)ms, profiled.Step);
                _writer.add_scalar("profile/total_ms", (float)profiled.TotalMilliseconds, profiled.Step);
                break;
            case SamplesGenerated samples:
                foreach (var sample in samples.Samples)
                    _writer.add_text($"samples/{(sample.Who == SampleSource.Reference ? "reference" : "policy")}/{sample.Index}", SampleMarkdown(sample), samples.Step);
                break;
            case StepSkipped skipped: _writer.add_scalar("train/skipped_steps", skipped.TotalSkipped, skipped.Step); break;
            case DeltaStatsComputed delta when delta.Tensors.Count > 0:
                var squared = delta.Tensors.Sum(t => t.Norm * t.Norm);
                var updated = delta.Tensors.Sum(t => t.FractionUpdated * t.Elements);
                var elements = delta.Tensors.Sum(t => (double)t.Elements);
                _writer.add_scalar("delta/norm", (float)Math.Sqrt(squared), delta.Step);
                _writer.add_scalar("delta/fraction_updated", (float)(updated / elements), delta.Step);
                break;
        }
        return ValueTask.CompletedTask;
    }

    private void WriteAll(IReadOnlyDictionary<string, double> metrics, int step)
    {
        foreach (var (name, value) in metrics)
            if (double.IsFinite(value)) _writer.add_scalar(name, (float)value, step);
    }

    /// <summary>TensorBoard renders text as markdown: each part as a fenced block, so the model's text is shown as is.</summary>
    public static string SampleMarkdown(SampleCompletion s) =>
        $"**prompt**\n\n```\n{s.Prompt}\n```\n\n**chosen**\n\n```\n{s.Chosen}\n```\n\n**rejected**\n\n```\n{s.Rejected}\n```\n\n" +
        $"**{(s.Who == SampleSource.Reference ? "reference" : "policy")} completion** ({s.Tokens} tokens)\n\n```\n{s.Completion}\n```";

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
