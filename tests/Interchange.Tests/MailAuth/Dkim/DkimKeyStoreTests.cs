using Interchange.MailAuth.Dkim;
using Interchange.Tests.TestSupport;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;
using Shouldly;
using Xunit;

namespace Interchange.Tests.MailAuth.Dkim;

public sealed class DkimKeyStoreTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 4, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _temp = new();
    private readonly DkimKeyStore _store;

    public DkimKeyStoreTests() => _store = DkimKeyStore.InDataFolder(_temp.Path);

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Generate_Rsa_StoresAPrivateKeyOnlyItsOwnerReads_InAFolderOnlyItsOwnerEnters_NoTemporaryFileLeft()
    {
        var key = _store.Generate("Example.TEST", null, DkimKeyAlgorithm.Rsa, 2048, Now);

        key.ShouldBe(key with { Domain = "example.test", Selector = "s202612", Bits = 2048, Active = true, Created = Now });
        var folder = Path.Combine(_temp.Path, "dkim", "example.test");
        File.Exists(Path.Combine(folder, "s202612.key")).ShouldBeTrue();
        if (!OperatingSystem.IsWindows())
        {
            File.GetUnixFileMode(Path.Combine(folder, "s202612.key")).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
            File.GetUnixFileMode(Path.Combine(folder, DkimKeyStore.MetadataFile)).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
            File.GetUnixFileMode(folder).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            File.GetUnixFileMode(Path.Combine(_temp.Path, "dkim")).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        System.IO.Directory.GetFiles(folder).Select(Path.GetFileName).Order().ShouldBe(["keys.json", "s202612.key"]);
        File.ReadAllText(Path.Combine(folder, "s202612.key")).ShouldStartWith("-----BEGIN PRIVATE KEY-----");
        File.ReadAllText(Path.Combine(folder, DkimKeyStore.MetadataFile)).ShouldNotContain("PRIVATE");
    }

    [Fact]
    public void LoadedPrivateKey_MatchesThePublishedPublicKey_RsaAndEd25519()
    {
        var rsa = _store.Generate("example.test", null, DkimKeyAlgorithm.Rsa, 1024, Now);
        var ed = _store.Generate("example.test", null, DkimKeyAlgorithm.Ed25519, 0, Now);

        var rsaPrivate = (RsaPrivateCrtKeyParameters)_store.LoadPrivateKey(rsa);
        var rsaPublic = (RsaKeyParameters)PublicKeyFactory.CreateKey(Convert.FromBase64String(rsa.PublicKey));
        rsaPublic.Modulus.ShouldBe(rsaPrivate.Modulus);
        rsaPrivate.Modulus.BitLength.ShouldBe(1024);

        var edPrivate = (Ed25519PrivateKeyParameters)_store.LoadPrivateKey(ed);
        Convert.FromBase64String(ed.PublicKey).ShouldBe(edPrivate.GeneratePublicKey().GetEncoded());
        Convert.FromBase64String(ed.PublicKey).Length.ShouldBe(32, "RFC 8463 4: the bare key");
        ed.Selector.ShouldBe("e202612");
        ed.Active.ShouldBeTrue("the first Ed25519 key: RSA and Ed25519 sign side by side");
    }

    [Fact]
    public void SecondKeyOfAnAlgorithm_WaitsInactive_UntilActivated_ThenTheOldOneStops()
    {
        var first = _store.Generate("example.test", null, DkimKeyAlgorithm.Rsa, 1024, Now);
        var second = _store.Generate("example.test", null, DkimKeyAlgorithm.Rsa, 1024, Now);
        second.Selector.ShouldBe("s202612-2");
        second.Active.ShouldBeFalse();
        _store.List("example.test").Single(k => k.Active).Selector.ShouldBe(first.Selector);

        var (activated, replaced) = _store.Activate("example.test", second.Selector);

        activated.Selector.ShouldBe(second.Selector);
        replaced.ShouldNotBeNull().Selector.ShouldBe(first.Selector);
        _store.List("example.test").Select(k => (k.Selector, k.Active)).ShouldBe([(first.Selector, false), (second.Selector, true)]);
    }

    [Fact]
    public void Remove_DeletesTheKeyFileAndItsEntry_UnknownSelectorRefused()
    {
        var key = _store.Generate("example.test", "mail", DkimKeyAlgorithm.Ed25519, 0, Now);
        Should.Throw<DkimKeyStoreException>(() => _store.Remove("example.test", "nope")).Message.ShouldContain("mail");

        _store.Remove("example.test", "mail").Selector.ShouldBe(key.Selector);

        _store.List().ShouldBeEmpty();
        File.Exists(Path.Combine(_temp.Path, "dkim", "example.test", "mail.key")).ShouldBeFalse();
        Should.Throw<DkimKeyStoreException>(() => _store.Remove("example.test", "mail")).Message.ShouldContain("no DKIM keys");
    }

    [Theory]
    [InlineData("-bad")]
    [InlineData("bad-")]
    [InlineData("a..b")]
    [InlineData("sp ace")]
    [InlineData("../etc")]
    [InlineData("under_score")]
    public void Generate_BadSelector_Refused(string selector) =>
        Should.Throw<DkimKeyStoreException>(() => _store.Generate("example.test", selector, DkimKeyAlgorithm.Ed25519, 0, Now)).Message.ShouldContain("not a valid selector");

    [Fact]
    public void Generate_DuplicateSelector_BadBits_BadDomain_Refused()
    {
        _store.Generate("example.test", "one", DkimKeyAlgorithm.Ed25519, 0, Now);
        Should.Throw<DkimKeyStoreException>(() => _store.Generate("example.test", "ONE", DkimKeyAlgorithm.Rsa, 2048, Now)).Message.ShouldContain("already has");
        Should.Throw<DkimKeyStoreException>(() => _store.Generate("example.test", "two", DkimKeyAlgorithm.Rsa, 512, Now)).Message.ShouldContain("1024 to 4096");
        Should.Throw<DkimKeyStoreException>(() => _store.Generate("not a domain", null, DkimKeyAlgorithm.Rsa, 2048, Now));
    }

    [Fact]
    public void Stamp_ChangesWithEveryChange()
    {
        var empty = _store.Stamp();
        _store.Generate("example.test", "a", DkimKeyAlgorithm.Ed25519, 0, Now);
        var one = _store.Stamp();
        _store.Generate("example.test", "b", DkimKeyAlgorithm.Ed25519, 0, Now);
        var two = _store.Stamp();

        new[] { empty, one, two }.Distinct().Count().ShouldBe(3);
    }

    [Fact]
    public void IdnDomain_IsFiledUnderItsALabels()
    {
        var key = _store.Generate("bücher.example", "k", DkimKeyAlgorithm.Ed25519, 0, Now);
        key.Domain.ShouldBe("xn--bcher-kva.example");
        key.Record.Name.ShouldBe("k._domainkey.xn--bcher-kva.example");
    }
}
