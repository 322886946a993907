using System.Globalization;
using DeltaTui.Training.Config;
using DeltaTui.Training.Dpo;
using DeltaTui.Core.Events;

namespace DeltaTui.Validation;

/// <summary>
/// The embedded default run (tiny model, shipped preference set, <c>configs/demo.json</c>) for a given number of
/// steps on a given device, headless, writing into a temporary folder that is deleted afterwards. It must finish,
/// every loss must be finite, the loss of step 1 must be ln 2 (the policy is still the reference, so every reward
/// margin is zero), and the losses of the last fifth of the steps must average clearly below it.
/// </summary>
public sealed class DpoDefaultRunCheck : IValidationCheck
{
    public const double FirstLossTolerance = 1e-3;

    /// <summary>How far below step 1's loss the end must average to count as a decrease (relative).</summary>
    public const double RequiredDecrease = 0.01;

    private const string RunName = "validate";

    private readonly string configPath;
    private readonly string device;
    private readonly int steps;

    public DpoDefaultRunCheck(string configPath, string device, int steps)
    {
        if (steps < 2) throw new ArgumentException($"the DPO check needs at least 2 steps, got {steps}");
        this.configPath = configPath;
        this.device = device;
        this.steps = steps;
    }

    public string Name => "dpo default";

    /// <summary>Where the run's temporary folder is made; tests point it at a folder of their own to see it removed.</summary>
    internal string TemporaryRoot { get; init; } = Path.GetTempPath();

    public CheckOutcome Run(CancellationToken cancellationToken)
    {
        var folder = Directory.CreateDirectory(Path.Combine(TemporaryRoot, $"deltatui-validate-{Guid.NewGuid():N}")).FullName;
        try
        {
            return Train(folder, cancellationToken);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private CheckOutcome Train(string folder, CancellationToken cancellationToken)
    {
        // Everything the run writes goes under the temporary folder; the environment's DELTATUI_ settings are left
        // out so that what runs is the shipped default and nothing else.
        string[] overrides =
        [
            "--run.name", RunName,
            "--run.device", device,
            "--run.output_root", Path.Combine(folder, "runs"),
            "--masks.output_dir", Path.Combine(folder, "masks"),
            "--dpo.reference_cache_dir", Path.Combine(folder, "reference-cache"),
            "--training.steps", steps.ToString(CultureInfo.InvariantCulture),
            "--training.log_every", "1",
        ];
        var options = ConfigLoader.Load(new ConfigSources([configPath], new Dictionary<string, string>(), overrides));

        var hub = new EventHub();
        var events = hub.Subscribe();
        TrainingOutcome outcome;
        using (var control = new TrainingControl())
        using (cancellationToken.Register(control.RequestStop))
        using (var run = DpoRunFactory.Create(options, RunName, hub, control, resume: false))
        {
            outcome = run.Trainer.Run(cancellationToken);
        }
        hub.Complete();

        var losses = new SortedDictionary<int, double>();
        var skipped = new List<string>();
        while (events.TryRead(out var e))
        {
            if (e is StepCompleted completed && completed.Metrics.TryGetValue(DpoMetricNames.Loss, out var loss)) losses[completed.Step] = loss;
            else if (e is StepSkipped skip) skipped.Add($"step {skip.Step}: {skip.Reason}");
        }
        return Judge(outcome, losses, skipped);
    }

    private CheckOutcome Judge(TrainingOutcome outcome, SortedDictionary<int, double> losses, List<string> skipped)
    {
        var where = $"{steps} steps on {device}";
        if (outcome.End != TrainingEnd.Completed || outcome.Step != steps)
            return CheckOutcome.Fail($"{where}: the run ended {outcome.End.ToString().ToLowerInvariant()} at step {outcome.Step}: {outcome.Message}");
        if (skipped.Count > 0)
            return CheckOutcome.Fail($"{where}: {skipped.Count} step(s) skipped for non-finite values ({string.Join("; ", skipped.Take(3))})");
        if (losses.Count != steps || !losses.ContainsKey(1))
            return CheckOutcome.Fail($"{where}: {losses.Count} step losses were reported");
        if (losses.FirstOrDefault(l => !double.IsFinite(l.Value)) is { Key: > 0 } bad)
            return CheckOutcome.Fail($"{where}: the loss of step {bad.Key} is {bad.Value}");

        var first = losses[1];
        var tail = losses.Values.TakeLast(Math.Max(1, steps / 5)).ToList();
        var end = tail.Average();
        var summary = string.Create(CultureInfo.InvariantCulture,
            $"loss {first:0.0000} at step 1 (ln 2 = {Math.Log(2):0.0000}), {end:0.0000} averaged over the last {tail.Count} of {where}");
        if (Math.Abs(first - Math.Log(2)) > FirstLossTolerance)
            return CheckOutcome.Fail($"{summary}: step 1 should be ln 2 within {FirstLossTolerance.ToString(CultureInfo.InvariantCulture)}, since the policy starts as the reference");
        if (!(end < first * (1 - RequiredDecrease)))
            return CheckOutcome.Fail($"{summary}: the loss did not decrease");
        return CheckOutcome.Pass(summary);
    }
}
