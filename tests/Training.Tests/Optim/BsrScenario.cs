using DeltaTui.Training.Optim;
using TorchSharp;
using static TorchSharp.torch;

namespace DeltaTui.Training.Tests.Optim;

/// <summary>
/// Identical parameters, layouts and gradient sequences for two optimizers, so that their
/// results can be compared element by element. Gradients are set by a backward pass of
/// sum(p * G), which makes p.grad exactly G.
/// </summary>
internal sealed class BsrScenario : IDisposable
{
    // Partial edge blocks for every block size, a block-aligned weight, and a 1-D (dense) tensor.
    public static readonly long[][] Shapes = [[70, 45], [33, 129], [128, 64], [37]];

    private readonly Generator generator;
    private readonly Device device;

    public BsrScenario(int blockSize, double density, ScalarType dtype, Device device, long seed)
    {
        this.device = device;
        BlockSize = blockSize;
        Density = density;
        generator = new Generator((ulong)seed);
        foreach (var shape in Shapes)
        {
            using var init = randn(shape, generator: generator);
            Initial.Add(init.to(dtype));
            Layouts.Add(shape.Length == 2 ? RandomLayout(shape[0], shape[1]) : null);
        }
    }

    public int BlockSize { get; }
    public double Density { get; }
    public List<Tensor> Initial { get; } = [];
    public List<BlockLayout?> Layouts { get; } = [];

    /// <summary>Fresh leaf parameters holding copies of the initial values (own memory), on the scenario's device.</summary>
    public List<BsrParameter> MakeParameters() =>
        Initial.Select((t, i) => new BsrParameter($"p{i}", t.to(device).detach().clone().requires_grad_(true), Layouts[i])).ToList();

    /// <summary>Draws one gradient per parameter (the same values for every optimizer that asks for step k).</summary>
    public List<Tensor> DrawGradients(double scale = 1.0) =>
        Initial.Select(t =>
        {
            using var g = randn(t.shape, generator: generator);
            return (g * scale).to(t.dtype);
        }).ToList();

    public static void SetGradients(IReadOnlyList<BsrParameter> parameters, IReadOnlyList<Tensor> gradients)
    {
        for (var i = 0; i < parameters.Count; i++)
        {
            var p = parameters[i].Tensor;
            using (var old = p.grad) old?.zero_();
            using var g = gradients[i].to(p.device);
            using var loss = (p * g).sum();
            loss.backward();
        }
    }

    /// <summary>Exactly round(density × blocks) active blocks at random, at least one when density &gt; 0.</summary>
    public BlockLayout RandomLayout(long rows, long cols)
    {
        var nbr = (rows + BlockSize - 1) / BlockSize;
        var nbc = (cols + BlockSize - 1) / BlockSize;
        var total = nbr * nbc;
        var count = Density <= 0 ? 0 : Math.Max(1, (long)Math.Round(Density * total));
        using var order = randperm(total, generator: generator);
        var active = order.narrow(0, 0, count).data<long>().ToHashSet();
        return BlockLayout.FromBlockMask(rows, cols, BlockSize, (r, c) => active.Contains(r * nbc + c));
    }

    /// <summary>‖a − b‖ / ‖b‖ in float64 (0 when both are zero).</summary>
    public static double RelativeError(Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        var x = a.to(ScalarType.Float64).cpu();
        var y = b.to(ScalarType.Float64).cpu();
        var diff = (x - y).norm().item<double>();
        var reference = y.norm().item<double>();
        return reference == 0 ? diff : diff / reference;
    }

    public void Dispose()
    {
        foreach (var t in Initial) t.Dispose();
        generator.Dispose();
    }
}
