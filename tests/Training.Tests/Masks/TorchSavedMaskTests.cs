using DeltaTui.Training.Masks;
using TorchSharp;
using Xunit;

namespace DeltaTui.Training.Tests.Masks;

/// <summary>Files written by PyTorch 2.11's torch.save (see fixtures/torch-saved/README.md).</summary>
public sealed class TorchSavedMaskTests
{
    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "fixtures", "torch-saved", name);

    [Fact]
    public void Given_torch_saved_row_view_When_loaded_Then_the_offset_into_the_shared_storage_is_honoured()
    {
        using var loaded = MaskFile.Load(Fixture("row-view.pt"), new Dictionary<string, long[]> { ["row"] = [3] });

        Assert.Equal(new[] { true, true, false }, loaded.Masks["row"].data<bool>().ToArray());
    }

    [Fact]
    public void Given_torch_saved_transpose_When_loaded_Then_the_strides_are_followed()
    {
        using var loaded = MaskFile.Load(Fixture("transposed.pt"));

        Assert.Equal(new long[] { 3, 2 }, loaded.Masks["t"].shape);
        Assert.Equal(new[] { false, true, true, true, false, false }, loaded.Masks["t"].data<bool>().ToArray());
    }

    [Fact]
    public void Given_torch_saved_nested_layout_When_loaded_Then_masks_sharing_a_storage_and_metadata_come_back()
    {
        using var loaded = MaskFile.Load(Fixture("nested.pt"));

        Assert.Equal(["a", "b"], loaded.Masks.Names);
        Assert.Equal(new[] { false, true, false, true, true, false }, loaded.Masks["a"].data<bool>().ToArray());
        Assert.Equal(new[] { true, true, false }, loaded.Masks["b"].data<bool>().ToArray());
        Assert.Equal("fisher", loaded.Metadata["method"]);
        Assert.Equal(0.9, loaded.Metadata["sparsity"]);
        Assert.Equal(3L, loaded.Metadata["step"]);
    }

    [Fact]
    public void Given_torch_saved_float_tensor_When_loaded_as_masks_Then_it_is_rejected_naming_file_and_dtype()
    {
        var path = Fixture("float.pt");

        var error = Assert.Throws<InvalidDataException>(() => MaskFile.Load(path));

        Assert.Contains(path, error.Message);
        Assert.Contains("mask 'w' holds FloatStorage data", error.Message);
    }
}
