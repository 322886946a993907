using System.Globalization;
using System.Text;

namespace DeltaTui.Training.Masks;

/// <summary>The text table `masks compare` prints: one row per tensor, then the aggregate and the spread.</summary>
public static class IouTable
{
    public static string Format(IouComparison comparison, string nameA, string nameB)
    {
        var width = Math.Max(9, comparison.PerTensor.Select(p => p.Key.Length).DefaultIfEmpty(0).Max());
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"A = {nameA}");
        text.AppendLine(CultureInfo.InvariantCulture, $"B = {nameB}");
        text.AppendLine(CultureInfo.InvariantCulture,
            $"{"tensor".PadRight(width)}  {"elements",12}  {"|A|",12}  {"|B|",12}  {"|A∩B|",12}  {"IoU",7}  {"∩/|A|",7}  {"∩/|B|",7}  {"chance",7}");
        foreach (var (name, counts) in comparison.PerTensor) text.AppendLine(Row(name.PadRight(width), counts));
        text.AppendLine(Row("aggregate".PadRight(width), comparison.Aggregate));
        text.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"IoU over {comparison.PerTensor.Count} tensors: mean {comparison.MeanIou:F4}, min {comparison.MinIou:F4}, max {comparison.MaxIou:F4}"));
        return text.ToString();
    }

    private static string Row(string name, IouCounts c) => string.Create(CultureInfo.InvariantCulture,
        $"{name}  {c.Elements,12}  {c.SizeA,12}  {c.SizeB,12}  {c.Intersection,12}  {c.Iou,7:F4}  {c.OverlapOfA,7:F4}  {c.OverlapOfB,7:F4}  {c.Chance,7:F4}");
}
