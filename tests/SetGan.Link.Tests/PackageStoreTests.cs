using SetGan.Agent.Link;
using SetGan.Core.Link;
using SetGan.Core.Packaging;
using SetGan.Core.Tests.Packaging;

namespace SetGan.Link.Tests;

/// <summary>The agent's package store against the hub's HTTPS endpoint: resumed downloads, and wrong bytes never kept.</summary>
public sealed class PackageStoreTests
{
    private static PackageStore Store(LinkRig rig, out DeviceConnectionString connection)
    {
        var c = DeviceConnectionString.Parse(((SetGan.Hub.EmbeddedHub)rig.Hub).ConnectionString(LinkRig.Device));
        connection = c;
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) => ServerTrust.Accepts(c, certificate, errors);
        return new PackageStore(rig.AgentData, handler, Serilog.Core.Logger.None);
    }

    [Fact]
    public async Task A_broken_off_download_resumes_where_it_stopped_and_the_package_verifies()
    {
        await using var rig = await LinkRig.StartAsync();
        var reference = rig.Hub.PublishPackage(rig.Package);
        byte[] whole = File.ReadAllBytes(Path.Combine(rig.Dir, "hub", "packages", reference.Sha256 + ".tar"));
        string part = Path.Combine(rig.AgentData, "downloads", reference.Sha256 + ".tar.part");
        Directory.CreateDirectory(Path.GetDirectoryName(part)!);
        File.WriteAllBytes(part, whole[..(whole.Length / 3)]); // what an earlier attempt got before the link broke
        var store = Store(rig, out _);
        long firstReported = -1;

        string folder = await store.FetchAsync(reference, new SyncProgress(p => { if (firstReported < 0) firstReported = p.Done; }), TestContext.Current.CancellationToken);

        firstReported.ShouldBeGreaterThan(whole.Length / 3); // it carried on from the partial file, not from zero
        using var package = PyramidPackage.Load(folder, File.ReadAllText(rig.PublicKeyPath));
        package.FinestScale.ShouldBe(TestPackages.Sizes.Count - 1);
        File.Exists(part).ShouldBeFalse();
    }

    [Fact]
    public async Task A_partial_file_with_wrong_bytes_is_thrown_away_and_the_next_attempt_starts_afresh()
    {
        await using var rig = await LinkRig.StartAsync();
        var reference = rig.Hub.PublishPackage(rig.Package);
        string part = Path.Combine(rig.AgentData, "downloads", reference.Sha256 + ".tar.part");
        Directory.CreateDirectory(Path.GetDirectoryName(part)!);
        File.WriteAllBytes(part, new byte[2048]); // corrupt: zeros where the archive's start should be
        var store = Store(rig, out _);

        var refused = await Should.ThrowAsync<PackageException>(() => store.FetchAsync(reference, null, TestContext.Current.CancellationToken));
        refused.Message.ShouldContain("SHA-256");
        File.Exists(part).ShouldBeFalse();
        Directory.Exists(store.FolderOf(reference.Sha256)).ShouldBeFalse();

        string folder = await store.FetchAsync(reference, null, TestContext.Current.CancellationToken);
        PackageArchive.Sha256(Path.Combine(rig.Dir, "hub", "packages", reference.Sha256 + ".tar")).ShouldBe(reference.Sha256);
        Directory.Exists(folder).ShouldBeTrue();
    }

    /// <summary>Progress reported on the caller's thread, in order (Progress&lt;T&gt; posts to the pool).</summary>
    private sealed class SyncProgress(Action<(long Done, long? Total)> report) : IProgress<(long Done, long? Total)>
    {
        public void Report((long Done, long? Total) value) => report(value);
    }
}
