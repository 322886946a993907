using DeltaTui.Training.Tests.Dpo;
using DeltaTui.Training.Masks;
using DeltaTui.Training.Models;
using DeltaTui.Training.Dpo;
using DeltaTui.Core.Events;
using DeltaTui.Training.Optim;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace DeltaTui.Training.Tests.Masks;

public class ActiveBlockSelectionTests : IDisposable
{
    private const int BlockSize = 16;
    private readonly string _runDir = Directory.CreateTempSubdirectory("bsr-select-").FullName;

    public void Dispose() => Directory.Delete(_runDir, recursive: true);

    private sealed class Run : IDisposable
    {
        public required TinyCausalLm Policy { get; init; }
        public required BsrAdamWStep Optimizer { get; init; }
        public required DpoTrainer Trainer { get; init; }
        public required EventHub Hub { get; init; }
        public required System.Threading.Channels.ChannelReader<RunEvent> Events { get; init; }
        public required TrainingControl Control { get; init; }

        public List<BlocksSelected> Selections()
        {
            Hub.Complete();
            var all = new List<BlocksSelected>();
            while (Events.TryRead(out var e)) if (e is BlocksSelected m) all.Add(m);
            return all;
        }

        public BlockLayout LayoutOf(string name)
        {
            var index = Optimizer.Optimizer.Parameters.Select((p, i) => (p.Name, i)).Single(x => x.Name == name).i;
            var state = Optimizer.Optimizer.GetTensorState(index);
            using (state.ExpAvg) using (state.ExpAvgSq) using (state.Master) return state.Layout!;
        }

        public void Dispose()
        {
            Trainer.Dispose();
            Optimizer.Dispose();
            Policy.Dispose();
            Control.Dispose();
        }
    }

    /// <param name="density">Null runs without a selector (every block active).</param>
    private Run NewRun(int steps, double? density, int reselectEvery = 0, Func<string, Tensor?>? fisher = null)
    {
        // hidden 64 with 16×16 blocks: mix 4×4 blocks, embedding and head 1×4 each.
        var policy = new TinyCausalLm(seed: 5, hidden: 64);
        var hub = new EventHub();
        var events = hub.Subscribe();
        var control = new TrainingControl();
        var options = new DpoTrainerOptions
        {
            RunName = "test", RunDirectory = _runDir, TotalSteps = steps, LearningRate = _ => 0.05, MaxGradNorm = 1.0,
            DeltaInterval = 0, MaskInterval = 0,
        };
        var optimizer = (BsrAdamWStep)OptimizerFactory.Create(OptimizerFactory.BsrAdamW, policy.named_parameters().Select(p => (p.name, p.parameter)),
            new BsrAdamWOptions(WeightDecay: 0.1), BlockSize, null, out _);
        var selector = density is { } d ? new ActiveBlockSelector(optimizer, d, reselectEvery, fisher) : null;
        var trainer = new DpoTrainer(options, policy, new FrozenCopyReference(new TinyCausalLm(seed: 5, hidden: 64)), TinyPreferenceData.Source(),
            optimizer, hub, control, blocks: selector);
        return new Run { Policy = policy, Optimizer = optimizer, Trainer = trainer, Hub = hub, Events = events, Control = control };
    }

    private static Dictionary<string, Tensor> Snapshot(TinyCausalLm policy) =>
        policy.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());

    /// <summary>Block mask [block rows, block cols]: true where any element differs from θ0 (exact comparison).</summary>
    private static bool[,] ChangedBlocks(Tensor now, Tensor theta0)
    {
        var rows = (int)((now.shape[0] + BlockSize - 1) / BlockSize);
        var cols = (int)((now.shape[1] + BlockSize - 1) / BlockSize);
        var changed = new bool[rows, cols];
        using var differs = now.ne(theta0);
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < cols; c++)
            {
                using var block = differs.narrow(0, r * BlockSize, Math.Min(BlockSize, now.shape[0] - r * BlockSize))
                    .narrow(1, c * BlockSize, Math.Min(BlockSize, now.shape[1] - c * BlockSize));
                changed[r, c] = block.any().item<bool>();
            }
        }
        return changed;
    }

    [Fact]
    public void Given_density_a_quarter_When_training_Then_exactly_the_selected_blocks_move_and_every_other_block_keeps_theta0_bit_for_bit()
    {
        using var run = NewRun(steps: 4, density: 0.25);
        var theta0 = Snapshot(run.Policy);

        run.Trainer.Run(TestContext.Current.CancellationToken);

        var blocked = run.Optimizer.Optimizer.Parameters.Where(p => p.IsBlocked).ToList();
        Assert.Equal(3, blocked.Count);
        foreach (var p in blocked)
        {
            var layout = run.LayoutOf(p.Name);
            Assert.Equal(ActiveBlockSelector.ActiveBlocksFor(layout.TotalBlocks, 0.25), layout.ActiveBlocks);
            Assert.Equal(Math.Max(1, (int)Math.Round(0.25 * layout.TotalBlocks)), layout.ActiveBlocks);
            var changed = ChangedBlocks(p.Tensor.detach(), theta0[p.Name]);
            var active = layout.LinearBlockIds().ToHashSet();
            for (var r = 0; r < layout.BlockRows; r++)
            {
                for (var c = 0; c < layout.BlockCols; c++)
                {
                    Assert.True(active.Contains((long)r * layout.BlockCols + c) == changed[r, c],
                        $"{p.Name} block ({r}, {c}): active {active.Contains((long)r * layout.BlockCols + c)}, changed {changed[r, c]}");
                }
            }
        }
        Assert.Equal(4, run.LayoutOf("mix.weight").ActiveBlocks);
        Assert.Equal(1, run.LayoutOf("head.weight").ActiveBlocks);
        var selection = Assert.Single(run.Selections());
        Assert.Equal(0, selection.Step);
        Assert.Equal(6, selection.ActiveBlocks.Values.Sum());
        foreach (var t in theta0.Values) t.Dispose();
    }

    [Fact]
    public void Given_reselect_every_two_When_the_score_moves_to_other_blocks_Then_the_active_set_follows_it_at_the_due_steps()
    {
        // A Fisher stand-in that, from step 2 on, favours the last block of mix.weight alone.
        var calls = 0;
        Tensor? Fisher(string name)
        {
            if (name != "mix.weight") return null;
            calls++;
            var score = zeros(64, 64);
            score.narrow(0, 48, 16).narrow(1, 48, 16).fill_(1.0);
            score.narrow(0, 0, 16).narrow(1, 0, 16).fill_(0.5);
            score.narrow(0, 16, 16).narrow(1, 16, 16).fill_(0.5);
            score.narrow(0, 32, 16).narrow(1, 32, 16).fill_(0.5);
            return score;
        }
        using var run = NewRun(steps: 2, density: 0.25, reselectEvery: 2, fisher: Fisher);
        run.Trainer.Run(TestContext.Current.CancellationToken);
        var first = run.LayoutOf("mix.weight").LinearBlockIds();
        Assert.Equal(0, calls);

        using var longer = NewRun(steps: 5, density: 0.25, reselectEvery: 2, fisher: Fisher);
        longer.Trainer.Run(TestContext.Current.CancellationToken);
        var reselected = longer.LayoutOf("mix.weight").LinearBlockIds();

        Assert.Equal(2, calls);
        Assert.Equal([0L, 5L, 10L, 15L], reselected);
        Assert.NotEqual(first, reselected);
        Assert.Equal([0, 2, 4], SelectionSteps(longer));
    }

    [Fact]
    public void Given_density_one_When_training_Then_the_weights_equal_the_dense_path_bit_for_bit()
    {
        using var selected = NewRun(steps: 3, density: 1.0);
        using var dense = NewRun(steps: 3, density: null);

        selected.Trainer.Run(TestContext.Current.CancellationToken);
        dense.Trainer.Run(TestContext.Current.CancellationToken);

        foreach (var ((name, a), (_, b)) in selected.Policy.named_parameters().Zip(dense.Policy.named_parameters()))
        {
            Assert.True(a.detach().eq(b.detach()).all().item<bool>(), $"{name} differs");
        }
        Assert.Equal(16, selected.LayoutOf("mix.weight").ActiveBlocks);
    }

    private static int[] SelectionSteps(Run run) =>
        run.Selections().Select(m => m.Step).ToArray();

    [Fact]
    public void Given_a_run_resumed_at_step_3_When_it_continues_Then_it_keeps_the_restored_blocks_and_reselects_only_at_the_due_step()
    {
        BlockLayout saved;
        using (var first = NewRun(steps: 3, density: 0.25, reselectEvery: 2))
        {
            first.Trainer.Run(TestContext.Current.CancellationToken);
            saved = first.LayoutOf("mix.weight");
            Assert.Equal([0, 2], SelectionSteps(first));
        }

        using var resumed = NewRun(steps: 4, density: 0.25, reselectEvery: 2);
        var latest = resumed.Trainer.Checkpoints.FindLatestComplete();
        Assert.NotNull(latest);
        resumed.Trainer.Resume(latest);
        Assert.Equal(saved.LinearBlockIds(), resumed.LayoutOf("mix.weight").LinearBlockIds());
        resumed.Trainer.Run(TestContext.Current.CancellationToken);

        Assert.Empty(SelectionSteps(resumed));

        using var further = NewRun(steps: 5, density: 0.25, reselectEvery: 2);
        further.Trainer.Resume(further.Trainer.Checkpoints.FindLatestComplete()!);
        further.Trainer.Run(TestContext.Current.CancellationToken);
        Assert.Equal([4], SelectionSteps(further));
    }

    [Fact]
    public void Given_no_applied_step_yet_When_asking_whether_to_select_Then_it_is_due_until_one_is_applied()
    {
        var every3 = new ActiveBlockSelector(null!, 0.25, reselectEvery: 3, accumulatedScore: null);
        var never = new ActiveBlockSelector(null!, 0.25, reselectEvery: 0, accumulatedScore: null);

        Assert.True(every3.IsDue(step: 0, appliedSteps: 0));
        Assert.True(every3.IsDue(step: 1, appliedSteps: 0));
        Assert.False(every3.IsDue(step: 2, appliedSteps: 2));
        Assert.True(every3.IsDue(step: 3, appliedSteps: 3));
        Assert.False(never.IsDue(step: 3, appliedSteps: 3));
    }
}
