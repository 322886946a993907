using System.Text;
using DeltaTui.Training.Masks;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace DeltaTui.Training.Tests.Masks;

public sealed class Theta0Tests
{
    [Fact]
    public void Given_bf16_and_fp32_parameters_When_snapshotted_Then_each_is_held_in_its_own_dtype_as_an_exact_copy()
    {
        var bf16 = tensor(new[] { 0.1f, -3.3f, 1e-3f }).to(ScalarType.BFloat16);
        var fp32 = tensor(new[] { 0.1f, -3.3f });
        using var theta0 = new Theta0([new("a", bf16), new("b", fp32)]);
        using (no_grad())
        {
            bf16.add_(1f);
            fp32.add_(1f);
        }

        Assert.Equal(ScalarType.BFloat16, theta0.Stored("a").dtype);
        Assert.Equal(ScalarType.Float32, theta0.Stored("b").dtype);
        Assert.Equal(3 * 2 + 2 * 4, theta0.Bytes);
        Assert.Equal(tensor(new[] { 0.1f, -3.3f, 1e-3f }).to(ScalarType.BFloat16).to(ScalarType.Float32).data<float>().ToArray(),
            theta0.Float32("a").data<float>().ToArray());
        Assert.Equal(new[] { 0.1f, -3.3f }, theta0.Float32("b").data<float>().ToArray());
    }

    [Fact]
    public void Given_a_saved_theta0_When_loaded_into_a_fresh_one_Then_it_holds_the_saved_weights()
    {
        var weight = tensor(new[] { 1.5f, -2f }).to(ScalarType.BFloat16);
        using var original = new Theta0([new("w", weight)]);
        using var buffer = new MemoryStream();
        original.Save(buffer);
        using (no_grad()) weight.add_(7f);
        using var resumed = new Theta0([new("w", weight)]);

        buffer.Position = 0;
        resumed.Load(buffer, "theta0.bin");

        Assert.Equal(new[] { 1.5f, -2f }, resumed.Float32("w").data<float>().ToArray());
        Assert.Equal(ScalarType.BFloat16, resumed.Stored("w").dtype);
    }

    [Fact]
    public void Given_a_theta0_file_written_in_fp32_by_an_older_run_When_loaded_for_bf16_weights_Then_the_values_are_the_same()
    {
        // Older runs upcast bf16 weights and wrote them as fp32: every value is a bf16 number, so the conversion back is exact.
        var weights = tensor(new[] { 0.1f, 123.456f, -7e-4f }).to(ScalarType.BFloat16);
        var fp32 = weights.to(ScalarType.Float32);
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(1);
            writer.Write("w");
            fp32.Save(writer);
        }
        using var theta0 = new Theta0([new("w", zeros(3, dtype: ScalarType.BFloat16))]);

        buffer.Position = 0;
        theta0.Load(buffer, "theta0.bin");

        Assert.Equal(fp32.data<float>().ToArray(), theta0.Float32("w").data<float>().ToArray());
    }

    [Fact]
    public void Given_a_file_with_another_shape_When_loaded_Then_the_tensor_is_named_and_nothing_changes()
    {
        using var other = new Theta0([new("a", ones(2)), new("b", ones(3))]);
        using var buffer = new MemoryStream();
        other.Save(buffer);
        using var theta0 = new Theta0([new("a", zeros(2)), new("b", zeros(4))]);

        buffer.Position = 0;
        var error = Assert.Throws<InvalidDataException>(() => theta0.Load(buffer, "runs/x/theta0.bin"));

        Assert.Contains("runs/x/theta0.bin", error.Message);
        Assert.Contains("'b'", error.Message);
        Assert.Equal(new[] { 0f, 0f }, theta0.Float32("a").data<float>().ToArray());
    }
}
