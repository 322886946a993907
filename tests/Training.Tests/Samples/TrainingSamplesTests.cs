using System.Text.Json;
using DeltaTui.Core.Events;
using DeltaTui.Training.Dpo;
using DeltaTui.Training.Sinks;
using DeltaTui.Training.Tests.Dpo;
using Xunit;

namespace DeltaTui.Training.Tests.Samples;

/// <summary>training.eval_samples on the embedded demo: completions at step 0 and at every evaluation, and samples.jsonl.</summary>
public class TrainingSamplesTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("samples-run-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private (List<RunEvent> Events, string RunDirectory) Train(string name, params string[] overrides)
    {
        var options = EmbeddedDemoRunTests.DemoOptions(_root, ["--training.steps", "4", "--training.eval_every", "2", "--masks.mask_interval", "0",
            "--training.sample_max_new_tokens", "8", .. overrides]);
        var hub = new EventHub();
        var events = hub.Subscribe();
        using var control = new TrainingControl();
        IReadOnlyList<Task> sinks;
        string runDirectory;
        using (var run = DpoRunFactory.Create(options, name, hub, control, resume: false))
        {
            runDirectory = run.RunDirectory;
            sinks = RunFileSinks.Start(hub, runDirectory);
            Assert.Equal(TrainingEnd.Completed, run.Trainer.Run(TestContext.Current.CancellationToken).End);
        }
        hub.Complete();
        Task.WaitAll(sinks, TestContext.Current.CancellationToken);
        var all = new List<RunEvent>();
        while (events.TryRead(out var e)) all.Add(e);
        return (all, runDirectory);
    }

    [Fact]
    public void Given_three_sample_prompts_and_eval_every_2_When_the_demo_trains_4_steps_Then_samples_come_at_steps_0_2_and_4_with_one_policy_entry_per_prompt_and_the_reference_once()
    {
        var (events, runDirectory) = Train("samples", "--training.eval_samples", "3", "--training.profile", "true");

        var samples = events.OfType<SamplesGenerated>().ToList();
        Assert.Equal([0, 2, 4], samples.Select(s => s.Step));
        foreach (var s in samples)
        {
            var policy = s.Samples.Where(x => x.Who == SampleSource.Policy).ToList();
            Assert.Equal([0, 1, 2], policy.Select(x => x.Index));
            Assert.All(policy, x => Assert.InRange(x.Tokens, 1, 8));
            Assert.All(policy, x => Assert.False(string.IsNullOrWhiteSpace(x.Prompt)));
            Assert.All(policy, x => Assert.NotEqual(x.Chosen, x.Rejected));
            Assert.True(s.Milliseconds > 0);
        }
        // The reference's completions only at step 0: the policy's weights then are the reference's, so they agree.
        var reference = samples[0].Samples.Where(x => x.Who == SampleSource.Reference).ToList();
        Assert.Equal([0, 1, 2], reference.Select(x => x.Index));
        Assert.Equal(reference.Select(x => x.Completion), samples[0].Samples.Where(x => x.Who == SampleSource.Policy).Select(x => x.Completion));
        Assert.All(samples.Skip(1), s => Assert.DoesNotContain(s.Samples, x => x.Who == SampleSource.Reference));
        // The same prompts every time.
        Assert.All(samples, s => Assert.Equal(samples[0].Samples.Take(3).Select(x => x.Prompt), s.Samples.Where(x => x.Who == SampleSource.Policy).Select(x => x.Prompt)));

        // Timed as their own phase of the steps that evaluated, and nowhere else.
        var profiles = events.OfType<StepProfiled>().ToDictionary(p => p.Step);
        Assert.True(profiles[2].PhaseMilliseconds[StepPhases.Samples] > 0);
        Assert.Equal(0, profiles[1].PhaseMilliseconds[StepPhases.Samples]);

        // samples.jsonl: one line per prompt per evaluation (3 policy evaluations + the reference's at step 0).
        var lines = File.ReadAllLines(Path.Combine(runDirectory, SamplesSink.FileName)).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(3 * 3 + 3, lines.Count);
        Assert.Equal([0, 0, 0, 0, 0, 0, 2, 2, 2, 4, 4, 4], lines.Select(l => l.GetProperty("step").GetInt32()));
        Assert.Equal(3, lines.Count(l => l.GetProperty("who").GetString() == "reference"));
        Assert.All(lines, l => Assert.Equal(JsonValueKind.String, l.GetProperty("completion").ValueKind));
        Assert.All(lines, l => Assert.False(string.IsNullOrEmpty(l.GetProperty("chosen").GetString())));

        // And in metrics.jsonl's format: the event round-trips.
        Assert.True(RunEventJson.TryDeserialize(RunEventJson.Serialize(samples[1]), out var back, out var error), error);
        var read = Assert.IsType<SamplesGenerated>(back);
        Assert.Equal(samples[1].Samples, read.Samples);
    }

    [Fact]
    public void Given_eval_samples_0_When_the_demo_trains_Then_no_samples_are_generated_and_no_samples_file_is_written()
    {
        var (events, runDirectory) = Train("no-samples", "--training.eval_samples", "0");

        Assert.NotEmpty(events.OfType<EvalCompleted>());
        Assert.Empty(events.OfType<SamplesGenerated>());
        Assert.False(File.Exists(Path.Combine(runDirectory, SamplesSink.FileName)));
    }
}
