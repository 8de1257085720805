using SetGan.Agent.Hosting;
using SetGan.Core.Link;

namespace SetGan.Agent.Tests.Hosting;

/// <summary>The order of changes: the start configuration first, then whatever the cloud or the config file says.</summary>
public sealed class DeviceControlTests
{
    [Fact]
    public async Task A_desired_change_that_arrives_before_the_start_configuration_waits_and_lands_on_top_of_it()
    {
        var ct = TestContext.Current.CancellationToken;
        using var control = new DeviceControl();

        // The link can read the twin before the generation service has loaded its start package.
        var fromCloud = control.ApplyAsync(null, null, 0, new BudgetSettings(null, null, 30), ct);
        await Task.Delay(200, ct);
        fromCloud.IsCompleted.ShouldBeFalse("a change from the cloud must wait for the start configuration");

        (await control.ApplyStartAsync(null, null, null, new BudgetSettings(null, null, 120), ct)).ShouldBeNull();
        control.StartDone();

        (await fromCloud).ShouldBeNull();
        control.Config.K.ShouldBe(0);
        control.Config.Budget.ImagesPerMinute.ShouldBe(30);
    }

    [Fact]
    public async Task Changes_after_the_start_apply_at_once()
    {
        var ct = TestContext.Current.CancellationToken;
        using var control = new DeviceControl();
        (await control.ApplyStartAsync(null, null, null, new BudgetSettings(null, null, 120), ct)).ShouldBeNull();
        control.StartDone();

        (await control.ApplyAsync(null, null, 2, null, ct).WaitAsync(TimeSpan.FromSeconds(10), ct)).ShouldBeNull();

        control.Config.K.ShouldBe(2);
        control.Config.Budget.ImagesPerMinute.ShouldBe(120);
    }
}
