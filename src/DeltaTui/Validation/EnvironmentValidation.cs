using System.Diagnostics;
using DeltaTui.Training.Config;
using DeltaTui.Training.Dpo;
using DeltaTui.Gemma;
using TorchSharp;
using static TorchSharp.torch;

namespace DeltaTui.Validation;

/// <summary>
/// <c>deltatui doctor --validate</c>: does the real work give the right numbers here? The native BSR-AdamW against
/// its reference on the Gemma-3 270M shapes (fp32, then a shorter bf16 + fp32-master pass), then a short run of
/// the embedded default, all on one device. Checks run one after another; a check that throws has failed with
/// the exception's message.
/// </summary>
public static class EnvironmentValidation
{
    /// <summary>The weights the BSR-AdamW comparison updates: the 270M model's 2-D weights and its norms.</summary>
    public static IReadOnlyList<(string Name, long[] Shape)> Shapes(ValidationOptions options) =>
        [.. Gemma270mWeightShapes.Matrices(options.Layers, options.Embedding), .. Gemma270mWeightShapes.Vectors(options.Layers)];

    /// <summary><c>auto</c> becomes cuda when CUDA is available, else cpu.</summary>
    public static Device ResolveDevice(ValidationOptions options) => DpoRunFactory.ResolveDevice(options.Device);

    public static IReadOnlyList<IValidationCheck> Checks(ValidationOptions options, Device device)
    {
        var shapes = Shapes(options);
        return
        [
            new BsrAdamWAgreementCheck(device, ScalarType.Float32, options.BsrSteps, shapes, options.Seed),
            new BsrAdamWAgreementCheck(device, ScalarType.BFloat16, options.Bf16Steps, shapes, options.Seed + 1),
            new DpoDefaultRunCheck(ConfigPaths.Locate(options.DefaultConfigPath), device.ToString(), options.DpoSteps),
        ];
    }

    public static ValidationReport Run(ValidationOptions options, Action<ValidationResult>? onResult = null, CancellationToken cancellationToken = default)
    {
        options.Validate();
        var device = ResolveDevice(options);
        var checks = Checks(options, device);
        if (device.type == DeviceType.CUDA && !cuda.is_available())
        {
            var results = checks.Select(c => new ValidationResult(c.Name, false, $"{device} was asked for, but CUDA is not available", 0)).ToList();
            results.ForEach(r => onResult?.Invoke(r));
            return new ValidationReport(device.ToString(), results, 0);
        }
        return Run(device.ToString(), checks, onResult, cancellationToken);
    }

    public static ValidationReport Run(string device, IReadOnlyList<IValidationCheck> checks, Action<ValidationResult>? onResult = null,
        CancellationToken cancellationToken = default)
    {
        var total = Stopwatch.StartNew();
        var results = new List<ValidationResult>();
        foreach (var check in checks)
        {
            var watch = Stopwatch.StartNew();
            CheckOutcome outcome;
            try
            {
                outcome = cancellationToken.IsCancellationRequested ? CheckOutcome.Fail("cancelled before it started") : check.Run(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                outcome = CheckOutcome.Fail("cancelled");
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                outcome = CheckOutcome.Fail($"{e.GetType().Name}: {e.Message}");
            }
            var result = new ValidationResult(check.Name, outcome.Passed, outcome.Detail, watch.Elapsed.TotalSeconds);
            results.Add(result);
            onResult?.Invoke(result);
        }
        return new ValidationReport(device, results, total.Elapsed.TotalSeconds);
    }
}
