using System.Globalization;
using System.Text;

namespace DeltaTui.Dashboard.Views;

/// <summary>Short, fixed-width renderings of numbers for terminal panels. Everything culture-invariant.</summary>
public static class Format
{
    public const string NotAvailable = "N/A";
    private static readonly char[] SparkChars = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

    public static string Number(double? v, string format = "0.000") =>
        v is double d && double.IsFinite(d) ? d.ToString(format, CultureInfo.InvariantCulture) : NotAvailable;

    public static string Percent(double? v, string format = "0") =>
        v is double d && double.IsFinite(d) ? d.ToString(format, CultureInfo.InvariantCulture) + "%" : NotAvailable;

    public static string Bytes(long? bytes)
    {
        if (bytes is not long b) return NotAvailable;
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        double v = b;
        int u = 0;
        while (Math.Abs(v) >= 1024 && u < units.Length - 1) { v /= 1024; u++; }
        return v.ToString(u == 0 ? "0" : "0.0", CultureInfo.InvariantCulture) + " " + units[u];
    }

    public static string Duration(TimeSpan? span)
    {
        if (span is not TimeSpan t || t < TimeSpan.Zero) return "--:--";
        return t.TotalHours >= 1
            ? $"{(int)t.TotalHours}:{t.Minutes:00}:{t.Seconds:00}"
            : $"{t.Minutes:00}:{t.Seconds:00}";
    }

    public static string Count(long n) =>
        n >= 10_000_000_000 ? (n / 1e9).ToString("0.#", CultureInfo.InvariantCulture) + "G"
        : n >= 10_000_000 ? (n / 1e6).ToString("0.#", CultureInfo.InvariantCulture) + "M"
        : n >= 100_000 ? (n / 1e3).ToString("0.#", CultureInfo.InvariantCulture) + "k"
        : n.ToString(CultureInfo.InvariantCulture);

    /// <summary>A horizontal bar such as [████░░░░] for a fraction in [0, 1]; N/A bar when unknown.</summary>
    public static string Bar(double? fraction, int width)
    {
        if (width < 3) return "";
        int inner = width - 2;
        if (fraction is not double f || !double.IsFinite(f)) return "[" + new string('·', inner) + "]";
        int filled = (int)Math.Round(Math.Clamp(f, 0, 1) * inner);
        return "[" + new string('█', filled) + new string('░', inner - filled) + "]";
    }

    /// <summary>The newest <paramref name="width"/> values as a sparkline, scaled to [0, max].</summary>
    public static string Sparkline(IReadOnlyList<double> values, int width, double max = 100)
    {
        if (width <= 0 || values.Count == 0) return "";
        var sb = new StringBuilder(width);
        for (int i = Math.Max(0, values.Count - width); i < values.Count; i++)
        {
            double f = max > 0 ? Math.Clamp(values[i] / max, 0, 1) : 0;
            sb.Append(SparkChars[(int)Math.Round(f * (SparkChars.Length - 1))]);
        }
        return sb.ToString();
    }

    public static string Fit(string text, int width) =>
        width <= 0 ? "" : text.Length <= width ? text.PadRight(width) : width <= 1 ? text[..width] : text[..(width - 1)] + "…";
}
