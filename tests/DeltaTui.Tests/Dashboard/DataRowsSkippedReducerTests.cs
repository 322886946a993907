using DeltaTui.Core.Events;
using DeltaTui.Dashboard.State;
using Xunit;

namespace DeltaTui.Tests.Dashboard;

public class DataRowsSkippedReducerTests
{
    [Fact]
    public void Given_rows_skipped_while_loading_When_reduced_Then_the_log_has_a_warning_with_the_counts_and_the_first_row()
    {
        var e = new DataRowsSkipped("pairs.jsonl", 14, 12, 2, new Dictionary<string, int> { ["invalid_json"] = 1, ["missing_field"] = 1 },
            ["pairs.jsonl:1: field 'rejected': is missing"], 0);

        var s = DashboardReducer.Reduce(DashboardState.Initial(), e);

        var line = Assert.Single(s.Log.Items);
        Assert.Equal(LogLevel.Warning, line.Level);
        Assert.Equal("pairs.jsonl: skipped 2 bad rows (1 invalid_json, 1 missing_field); 12 of 14 rows used; first: pairs.jsonl:1: field 'rejected': is missing", line.Text);
    }
}
