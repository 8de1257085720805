using SetGan.Cloud.Commands;
using SetGan.Trainer.Training;

namespace SetGan.Cloud.Tests;

public sealed class CliErrorsTests
{
    [Fact]
    public async Task Two_lanes_that_both_fail_give_one_error_line_each_and_a_failure_code()
    {
        // What ParallelTrainer throws when both lanes fail: an AggregateException, which used to escape as a stack trace.
        var stderr = new StringWriter();
        int code = await CliErrors.Run(() => throw new AggregateException(
            new TrainingDivergedException("training diverged at scale 4, iteration 12: the critic's loss or gradients are NaN"),
            new TrainingDivergedException("training diverged at scale 5, iteration 9: the generator's loss or gradients are NaN")), stderr);

        code.ShouldBe(CliErrors.Failure);
        stderr.ToString().ReplaceLineEndings("\n").ShouldBe(
            "error: training diverged at scale 4, iteration 12: the critic's loss or gradients are NaN\n" +
            "error: training diverged at scale 5, iteration 9: the generator's loss or gradients are NaN\n");
    }

    [Fact]
    public async Task An_aggregate_holding_a_bug_is_not_turned_into_a_one_line_error()
    {
        // A NullReferenceException is ours to fix, not the user's: its stack trace must reach the log.
        await Should.ThrowAsync<AggregateException>(() => CliErrors.Run(() => throw new AggregateException(
            new TrainingDivergedException("diverged"), new NullReferenceException()), new StringWriter()));
    }

    [Fact]
    public async Task A_users_error_is_one_line_even_when_its_message_has_several()
    {
        var stderr = new StringWriter();
        (await CliErrors.Run(() => throw new IOException("disk full\nwhile writing scale-03"), stderr)).ShouldBe(CliErrors.Failure);
        stderr.ToString().ReplaceLineEndings("\n").ShouldBe("error: disk full while writing scale-03\n");
    }
}
