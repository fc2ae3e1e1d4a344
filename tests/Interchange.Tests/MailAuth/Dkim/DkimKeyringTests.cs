using Interchange.MailAuth.Dkim;
using Interchange.Tests.TestSupport;
using Shouldly;
using Xunit;

namespace Interchange.Tests.MailAuth.Dkim;

public sealed class DkimKeyringTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 4, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void AKeyAddedWhileRunning_SignsAfterTheInterval_NotBefore()
    {
        var store = DkimKeyStore.InDataFolder(_temp.Path);
        var clock = new ManualTimeProvider(Now);
        var ring = new DkimKeyring(store, TimeSpan.FromSeconds(5), clock: clock);
        ring.Current.Count.ShouldBe(0);

        store.Generate("example.test", "a", DkimKeyAlgorithm.Ed25519, 0, Now);
        ring.Current.Count.ShouldBe(0, "looked at again only after the interval");
        clock.Advance(TimeSpan.FromSeconds(5));
        var set = ring.Current;
        set.Active("example.test").Single().Info.Selector.ShouldBe("a");
        set.Active("EXAMPLE.test").Count.ShouldBe(1);

        store.Remove("example.test", "a");
        clock.Advance(TimeSpan.FromSeconds(5));
        ring.Current.Active("example.test").ShouldBeEmpty();
        set.Active("example.test").Count.ShouldBe(1, "a snapshot taken stays as it was");
    }

    [Fact]
    public void AKeyFileThatDoesNotLoad_IsLeftOut_TheOthersSign()
    {
        var store = DkimKeyStore.InDataFolder(_temp.Path);
        store.Generate("example.test", "good", DkimKeyAlgorithm.Rsa, 1024, Now);
        store.Generate("other.test", "bad", DkimKeyAlgorithm.Ed25519, 0, Now);
        File.WriteAllText(Path.Combine(store.Root, "other.test", "bad.key"), "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");

        var set = new DkimKeyring(store, TimeSpan.Zero).Refresh();

        set.Active("example.test").Single().Info.Selector.ShouldBe("good");
        set.Active("other.test").ShouldBeEmpty();
    }

    [Fact]
    public void ActiveKeys_RsaFirst_InactiveOnesFoundBySelectorOnly()
    {
        var store = DkimKeyStore.InDataFolder(_temp.Path);
        store.Generate("example.test", "ed", DkimKeyAlgorithm.Ed25519, 0, Now);
        store.Generate("example.test", "rsa", DkimKeyAlgorithm.Rsa, 1024, Now);
        store.Generate("example.test", "next", DkimKeyAlgorithm.Rsa, 1024, Now);

        var set = new DkimKeyring(store, TimeSpan.Zero).Refresh();

        set.Active("example.test").Select(k => k.Info.Selector).ShouldBe(["rsa", "ed"]);
        set.Find("example.test", "next").ShouldNotBeNull().Info.Active.ShouldBeFalse();
        set.Find("example.test", "nope").ShouldBeNull();
    }
}
