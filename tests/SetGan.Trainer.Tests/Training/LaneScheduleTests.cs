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
    public void Every_scale_is_scheduled_once_and_no_more_lanes_than_scales_or_cores()
    {
        var costs = Enumerable.Range(0, 9).ToDictionary(n => n, n => Math.Pow(1.8, n));
        foreach (int cores in new[] { 1, 2, 3, 16 })
        {
            var lanes = LaneSchedule.Plan(costs, cores);
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
