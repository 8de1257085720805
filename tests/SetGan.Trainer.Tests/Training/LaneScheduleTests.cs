using SetGan.Trainer.Training;

namespace SetGan.Trainer.Tests.Training;

public class LaneScheduleTests
{
    [Fact]
    public void The_finest_scale_gets_a_lane_of_its_own_when_it_outweighs_the_rest()
    {
        // Costs like SinGAN at 250 px: the finest scale holds about 70% of the work.
        var costs = new Dictionary<int, double> { [0] = 1, [1] = 2, [2] = 4, [3] = 8, [4] = 16, [5] = 90 };
        var lanes = LaneSchedule.Plan(costs, cores: 2);

        lanes.Count.ShouldBe(2);
        lanes.ShouldContain(l => l.Scales.SequenceEqual(new[] { 5 }));
        lanes.ShouldContain(l => l.Scales.SequenceEqual(new[] { 0, 1, 2, 3, 4 })); // small to large: prefixes early
        LaneSchedule.Makespan(lanes).ShouldBe(90);
    }

    [Fact]
    public void The_progressive_plan_deals_the_prefix_first_and_puts_the_finest_scale_where_a_lane_frees_up()
    {
        // The quick preset's SETGAN costs (s per iteration on one thread): scale 4 is the second largest.
        var costs = new Dictionary<int, double> { [0] = 0.10, [1] = 0.17, [2] = 0.22, [3] = 0.37, [4] = 1.69, [5] = 2.68 };
        var lanes = LaneSchedule.Plan(costs, cores: 2, LanePlan.PrefixFirst);

        lanes.ShouldContain(l => l.Scales.SequenceEqual(new[] { 4 }));
        lanes.ShouldContain(l => l.Scales.SequenceEqual(new[] { 0, 1, 2, 3, 5 }));
        // The default plan queues scale 4 behind 0..3 on the lane beside the finest scale.
        LaneSchedule.Plan(costs, cores: 2).ShouldContain(l => l.Scales.SequenceEqual(new[] { 0, 1, 2, 3, 4 }));
        // One core: one lane, small to large, either way.
        LaneSchedule.Plan(costs, cores: 1, LanePlan.PrefixFirst).Single().Scales.ShouldBe([0, 1, 2, 3, 4, 5]);
    }

    [Fact]
    public void With_early_stop_the_finest_scale_starts_at_once_on_a_lane_of_its_own()
    {
        // The 400-iteration costs of the quick preset (s on one thread): balanced, scale 1 queues in front of scale 5.
        var costs = new Dictionary<int, double> { [0] = 35, [1] = 42, [2] = 50, [3] = 83, [4] = 212, [5] = 332 };
        LaneSchedule.Plan(costs, cores: 2).ShouldContain(l => l.Scales.SequenceEqual(new[] { 1, 5 }));

        var lanes = LaneSchedule.Plan(costs, cores: 2, LanePlan.FinestAlone);

        lanes[0].Scales.ShouldBe([5]);
        lanes[1].Scales.ShouldBe([0, 1, 2, 3, 4]);
        // More cores: the others are balanced over the lanes left.
        var three = LaneSchedule.Plan(costs, cores: 3, LanePlan.FinestAlone);
        three[0].Scales.ShouldBe([5]);
        three[1].Scales.ShouldBe([4]);
        three[2].Scales.ShouldBe([0, 1, 2, 3]);
        LaneSchedule.Plan(costs, cores: 1, LanePlan.FinestAlone).Single().Scales.ShouldBe([0, 1, 2, 3, 4, 5]);
    }

    [Fact]
    public void Every_scale_is_scheduled_once_and_no_more_lanes_than_scales_or_cores()
    {
        var costs = Enumerable.Range(0, 9).ToDictionary(n => n, n => Math.Pow(1.8, n));
        foreach (int cores in new[] { 1, 2, 3, 16 })
        foreach (var plan in Enum.GetValues<LanePlan>())
        {
            var lanes = LaneSchedule.Plan(costs, cores, plan);
            lanes.Count.ShouldBe(Math.Min(cores, 9));
            lanes.SelectMany(l => l.Scales).Order().ShouldBe(Enumerable.Range(0, 9));
            lanes.Sum(l => l.Cost).ShouldBe(costs.Values.Sum(), 1e-9);
        }
    }

    [Fact]
    public void Cores_of_finished_lanes_go_to_the_lane_with_the_most_work_left()
    {
        var lanes = LaneSchedule.Plan(new Dictionary<int, double> { [0] = 10, [1] = 20, [2] = 100 }, cores: 4);
        var broker = new CoreBroker(lanes, cores: 4);
        int finest = lanes.Single(l => l.Scales.Contains(2)).Id, small = lanes.Single(l => l.Scales.Contains(0)).Id;

        broker.Threads(finest).ShouldBe(2); // 4 cores, 3 lanes: the spare core goes to the most work left
        broker.Threads(small).ShouldBe(1);
        broker.Finished(small);
        broker.Threads(finest).ShouldBe(3);
        broker.Worked(finest, 95); // now the scale-1 lane has more left
        broker.Threads(finest).ShouldBe(1);
    }
}
