using DeltaTui.Dashboard.State;
using DeltaTui.Dashboard.Views;
using Terminal.Gui.ViewBase;
using Terminal.Gui.Views;

namespace DeltaTui.Dashboard;

/// <summary>
/// The dashboard's layout. It draws a <see cref="DashboardState"/> and nothing else: it has no
/// reference to the trainer. Sizes are relative, so a resize is a relayout.
/// </summary>
public sealed class DashboardWindow : Runnable
{
    private const int LogRows = 5;

    private readonly View _body = new() { X = 0, Y = 2, Width = Dim.Fill(), Height = Dim.Fill(LogRows + 1), CanFocus = false };
    private readonly TextLinesView _statusLine = new() { X = 0, Y = Pos.AnchorEnd(1), Width = Dim.Fill(), Height = 1 };

    public DashboardWindow()
    {
        Title = "DeltaTui";
        Width = Dim.Fill();
        Height = Dim.Fill();
        CanFocus = true;
        Header = new HeaderView { X = 0, Y = 0 };
        Training = new TrainingPanel { X = 0, Y = 0, Width = Dim.Percent(50), Height = Dim.Percent(50) };
        Iou = new IouPanel { X = 0, Y = Pos.Bottom(Training), Width = Dim.Percent(50), Height = Dim.Fill() };
        Gpu = new GpuPanel { X = Pos.Right(Training), Y = 0, Width = Dim.Fill(), Height = Dim.Percent(50) };
        Delta = new DeltaPanel { X = Pos.Right(Training), Y = Pos.Bottom(Gpu), Width = Dim.Fill(), Height = Dim.Fill() };
        Jaccard = new JaccardPane { X = 0, Y = Pos.Percent(30), Width = Dim.Fill(), Height = Dim.Fill(), Visible = false };
        Samples = new SamplesPane { X = 0, Y = 0, Width = Dim.Fill(), Height = Dim.Fill(), Visible = false };
        Help = new HelpOverlay { X = Pos.Center(), Y = Pos.Center(), Width = Dim.Percent(90), Height = DashboardKeys.All.Count + 2, Visible = false };
        Log = new LogPane { X = 0, Y = Pos.AnchorEnd(LogRows + 1), Width = Dim.Fill(), Height = LogRows };
        _body.Add(Training, Iou, Gpu, Delta, Jaccard, Samples);
        Add(Header, _body, Log, _statusLine, Help);
    }

    public HeaderView Header { get; }
    public TrainingPanel Training { get; }
    public IouPanel Iou { get; }
    public GpuPanel Gpu { get; }
    public DeltaPanel Delta { get; }
    public JaccardPane Jaccard { get; }
    public SamplesPane Samples { get; }
    public HelpOverlay Help { get; }
    public LogPane Log { get; }

    public bool ReadOnly { get; init; }

    public void Apply(DashboardState state)
    {
        Header.Apply(state);
        Training.Apply(state);
        Iou.Apply(state);
        Gpu.Apply(state);
        Delta.Apply(state);
        bool overlaysChanged = Jaccard.Visible != state.Ui.ShowJaccard || Samples.Visible != state.Ui.ShowSamples || Help.Visible != state.Ui.ShowHelp;
        Jaccard.Visible = state.Ui.ShowJaccard;
        if (Jaccard.Visible) Jaccard.Apply(state);
        Samples.Visible = state.Ui.ShowSamples;
        if (Samples.Visible) Samples.Apply(state);
        Help.Visible = state.Ui.ShowHelp;
        Log.Apply(state);
        _statusLine.Lines = [StatusText(state, ReadOnly, Math.Max(Viewport.Width, 20))];
        // Each view marks itself when its content changed; the whole window only when an overlay came or went
        // (what it covered must be painted again). A full repaint at every update was most of the UI's work.
        if (overlaysChanged) SetNeedsDraw();
    }

    public static string StatusText(DashboardState state, bool readOnly, int width = int.MaxValue)
    {
        string prefix =
            state.Ui.ConfirmingStop ? "Stop training? The step in flight finishes, then masks, scores and a checkpoint are saved.  "
            : readOnly ? "REPLAY (read-only)  "
            : state.IsOver ? $"{HeaderView.StateName(state.RunState).ToUpperInvariant()}: outputs in {state.RunDirectory}  "
            : "";
        string shortPrefix = state.Ui.ConfirmingStop ? "Stop training?  " : readOnly ? "REPLAY  " : state.IsOver ? $"{HeaderView.StateName(state.RunState).ToUpperInvariant()}  " : "";
        // A long prefix (the run folder, the stop question) gives way to a short one before any key loses its label.
        return DashboardKeys.StatusLine(state, readOnly, width, prefix, shortPrefix);
    }
}
