using DeltaTui.Validation;
using Xunit;

namespace DeltaTui.Tests.Diagnostics;

public class EnvironmentValidationTests
{
    private sealed class FixedCheck(string name, Func<CheckOutcome> run) : IValidationCheck
    {
        public string Name => name;

        public CheckOutcome Run(CancellationToken cancellationToken) => run();
    }

    [Fact]
    public void Given_a_check_that_throws_When_validating_Then_it_fails_with_the_message_and_the_others_still_run()
    {
        var seen = new List<string>();
        IValidationCheck[] checks =
        [
            new FixedCheck("first", () => throw new InvalidOperationException("CUDA error: out of memory")),
            new FixedCheck("second", () => CheckOutcome.Pass("fine")),
        ];

        var report = EnvironmentValidation.Run("cpu", checks, r => seen.Add(r.Name), TestContext.Current.CancellationToken);

        Assert.False(report.Passed);
        Assert.Equal(["first", "second"], seen);
        Assert.Equal("InvalidOperationException: CUDA error: out of memory", report.Checks[0].Detail);
        Assert.True(report.Checks[1].Passed);
        Assert.All(report.Checks, c => Assert.True(c.ElapsedSeconds >= 0));
    }

    [Theory]
    [InlineData(0, 18, true, 50, "at least 1 step")]
    [InlineData(100, 19, true, 50, "18 decoder layers; got 19")]
    [InlineData(100, 0, false, 50, "no 2-D weight")]
    [InlineData(100, 18, true, 1, "at least 2 steps")]
    public void Given_options_that_leave_nothing_to_check_When_validating_Then_it_refuses_before_any_work(int steps, int layers, bool embedding, int dpoSteps, string message)
    {
        var options = new ValidationOptions { BsrSteps = steps, Layers = layers, Embedding = embedding, DpoSteps = dpoSteps, Device = "cpu" };

        var e = Assert.Throws<ArgumentException>(() => EnvironmentValidation.Run(options, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains(message, e.Message);
    }
}
