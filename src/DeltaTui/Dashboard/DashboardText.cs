using DeltaTui.Dashboard.State;
using DeltaTui.Dashboard.Views;

namespace DeltaTui.Dashboard;

/// <summary>The dashboard's panels as plain text, for replays where no terminal is attached.</summary>
public static class DashboardText
{
    public static string Render(DashboardState s, int width = 100)
    {
        var lines = new List<string>();
        lines.AddRange(HeaderView.Render(s));
        lines.Add("");
        lines.Add("Mask IoU");
        lines.AddRange(IouPanel.Render(s).Select(l => "  " + l));
        lines.Add("");
        lines.Add("Weight delta");
        lines.AddRange(DeltaPanel.Render(s, width - 2, 20).Select(l => "  " + l));
        lines.Add("");
        lines.Add("GPU");
        lines.AddRange(GpuPanel.Render(s, width - 2).Select(l => "  " + l));
        lines.Add("");
        lines.Add("Log");
        lines.AddRange(s.Log.Items.TakeLast(15).Select(l => "  " + LogPane.Line(l)));
        return string.Join(Environment.NewLine, lines) + Environment.NewLine;
    }
}
