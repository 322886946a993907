using DeltaTui.Training.Memory;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;

namespace DeltaTui.Training.Tests.Memory;

public class FlatGradientsTests
{
    private static List<(string Name, Parameter Parameter)> Parameters(ScalarType dtype, params long[][] shapes)
    {
        var generator = new Generator(11);
        return shapes.Select((s, i) => ($"p{i}", new Parameter(randn(s, dtype, generator: generator)))).ToList();
    }

    private static Tensor Loss(IEnumerable<(string Name, Parameter Parameter)> parameters, int seed)
    {
        var generator = new Generator((ulong)seed);
        Tensor? total = null;
        foreach (var (_, p) in parameters)
        {
            using var weights = randn(p.shape, p.dtype, generator: generator);
            var term = (p * p * weights).sum().to(ScalarType.Float32);
            total = total is null ? term : total + term;
        }
        return total!;
    }

    [Fact]
    public void Given_flat_gradients_When_two_backward_passes_accumulate_Then_each_gradient_equals_the_one_of_ordinary_parameters_and_stays_a_view()
    {
        var flat = Parameters(ScalarType.Float32, [3, 5], [7], [2, 2, 2]);
        var plain = flat.Select(p => (p.Name, new Parameter(p.Parameter.detach().clone()))).ToList();
        using var gradients = new FlatGradients(flat);

        foreach (var seed in new[] { 1, 2 })
        {
            Loss(flat, seed).backward();
            Loss(plain, seed).backward();
        }

        Assert.True(gradients.IsIntact());
        for (var i = 0; i < flat.Count; i++)
        {
            using var expected = plain[i].Item2.grad!;
            Assert.True(gradients.Gradient(flat[i].Name).allclose(expected, rtol: 1e-6, atol: 1e-6), flat[i].Name);
        }
        Assert.Equal(15 + 7 + 8, gradients.ElementCount);
    }

    [Fact]
    public void Given_accumulated_gradients_When_taking_the_norm_Then_it_is_the_fp32_norm_over_all_tensors_and_zero_clears_them()
    {
        var parameters = Parameters(ScalarType.BFloat16, [64, 33], [33]);
        using var gradients = new FlatGradients(parameters);
        Loss(parameters, 3).backward();

        using var norm = gradients.Norm();
        var expected = Math.Sqrt(parameters.Sum(p =>
        {
            using var g = p.Parameter.grad!;
            return g.to(ScalarType.Float32).square().sum().item<float>();
        }));

        Assert.Equal(ScalarType.Float32, norm.dtype);
        Assert.Equal(expected, norm.item<float>(), expected * 1e-5);
        gradients.Zero();
        using var after = gradients.Norm();
        Assert.Equal(0f, after.item<float>());
        Assert.True(gradients.IsIntact());
    }

    [Fact]
    public void Given_a_gradient_with_a_nan_When_taking_the_norm_Then_it_is_not_finite()
    {
        var parameters = Parameters(ScalarType.Float32, [4, 4], [4]);
        using var gradients = new FlatGradients(parameters);
        Loss(parameters, 5).backward();
        using (no_grad()) gradients.Gradient("p1")[2] = float.NaN;

        using var norm = gradients.Norm();

        Assert.True(float.IsNaN(norm.item<float>()));
    }

    [Fact]
    public void Given_a_coefficient_When_scaling_Then_every_gradient_is_multiplied_by_it()
    {
        var parameters = Parameters(ScalarType.Float32, [6, 2], [3]);
        using var gradients = new FlatGradients(parameters);
        Loss(parameters, 7).backward();
        var before = parameters.Select(p => { using var g = p.Parameter.grad!; return g.clone(); }).ToList();

        using var half = tensor(0.5f);
        gradients.Scale(half);

        for (var i = 0; i < parameters.Count; i++)
        {
            using var g = parameters[i].Parameter.grad!;
            Assert.True(g.allclose(before[i] * 0.5));
        }
    }

    [Fact]
    public void Given_a_parameter_whose_gradient_was_replaced_When_checking_Then_the_link_is_reported_broken()
    {
        var parameters = Parameters(ScalarType.Float32, [2, 3], [3]);
        using var gradients = new FlatGradients(parameters);

        parameters[1].Parameter.grad = zeros(3);

        Assert.False(gradients.IsIntact());
    }

    [Fact]
    public void Given_a_gradient_accumulated_before_When_flattening_Then_it_is_kept()
    {
        var parameters = Parameters(ScalarType.Float32, [3, 3]);
        Loss(parameters, 9).backward();
        Tensor before;
        using (var g = parameters[0].Parameter.grad!) before = g.clone();

        using var gradients = new FlatGradients(parameters);

        Assert.True(gradients.Gradient("p0").equal(before).all().item<bool>());
    }
}
