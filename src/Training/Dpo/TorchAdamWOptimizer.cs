using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DeltaTui.Training.Dpo;

/// <summary>Dense AdamW from TorchSharp behind <see cref="IDpoOptimizer"/>.</summary>
public sealed class TorchAdamWOptimizer : IDpoOptimizer
{
    private readonly AdamW _optimizer;
    private readonly Dictionary<Parameter, int> _index;

    public TorchAdamWOptimizer(IReadOnlyList<Parameter> parameters, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 0.0)
    {
        _optimizer = optim.AdamW(parameters, lr: 0.0, beta1: beta1, beta2: beta2, eps: eps, weight_decay: weightDecay);
        _index = new Dictionary<Parameter, int>(ReferenceEqualityComparer.Instance);
        for (var i = 0; i < parameters.Count; i++) _index[parameters[i]] = i;
    }

    public string Name => "adamw";

    public void Step(double learningRate)
    {
        foreach (var group in _optimizer.ParamGroups) group.LearningRate = learningRate;
        _optimizer.step();
    }

    public void ZeroGrad() => _optimizer.zero_grad();

    public bool TryGetMoments(Parameter parameter, out Tensor expAvg, out Tensor expAvgSq, out long step)
    {
        expAvg = expAvgSq = null!;
        step = 0;
        if (!_index.TryGetValue(parameter, out var i)) return false;
        var states = _optimizer.state_dict().State;
        if (i >= states.Count || states[i] is not AdamW.State { exp_avg: not null } state || state.step == 0) return false;
        expAvg = state.exp_avg;
        expAvgSq = state.exp_avg_sq;
        step = state.step;
        return true;
    }

    public void SaveState(Stream stream)
    {
        using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        _optimizer.save_state_dict(writer);
    }

    public void LoadState(Stream stream)
    {
        using var reader = new BinaryReader(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        _optimizer.load_state_dict(reader);
    }

    public void Dispose() => _optimizer.Dispose();
}
