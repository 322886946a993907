using Terminal.Gui.Views;

namespace DeltaTui.Dashboard.Views;

/// <summary>A fixed snapshot of rows for a TableView; rebuilt from state, never mutated.</summary>
public sealed class RowsTableSource(string[] columnNames, IReadOnlyList<string[]> rows) : ITableSource
{
    public object this[int row, int col] => rows[row][col];

    public string[] ColumnNames => columnNames;

    public int Columns => columnNames.Length;

    public int Rows => rows.Count;
}
