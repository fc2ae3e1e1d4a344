using Interchange.Directory.Passwords;
using Shouldly;

namespace Interchange.Tests.Directory.Passwords;

public sealed class PasswordHasherTests
{
    private const int Iterations = 1000;

    // Computed independently with Python: hashlib.pbkdf2_hmac('sha256', password, b'saltsaltsaltsalt', 1000, 32).
    private const string KnownHash = "$pbkdf2-sha256$i=1000$c2FsdHNhbHRzYWx0c2FsdA==$BBs+1+PaslLtBPULUr8/lQicvVuHiEPMz0i8MjLCbzM=";
    private const string KnownPassword = "correct horse";
    private const string KnownUnicodeHash = "$pbkdf2-sha256$i=1000$c2FsdHNhbHRzYWx0c2FsdA==$iRomS7RhcAf2uRs9/LJZdttvnosKEjOA8VRtubsWtWc=";
    private const string KnownUnicodePassword = "pässwörd 密码 🔒";

    private readonly PasswordHasher _hasher = new(Iterations);

    [Fact]
    public void A_hash_names_the_scheme_and_iterations_then_a_16_byte_salt_and_a_32_byte_hash()
    {
        var hash = _hasher.Hash("correct horse battery staple");

        hash.ShouldMatch(@"^\$pbkdf2-sha256\$i=1000\$[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=$");
        var parts = hash.Split('$');
        Convert.FromBase64String(parts[3]).Length.ShouldBe(16);
        Convert.FromBase64String(parts[4]).Length.ShouldBe(32);
        PasswordHasher.IsWellFormed(hash).ShouldBeTrue();
    }

    [Fact]
    public void The_right_password_verifies_and_a_wrong_one_does_not()
    {
        var hash = _hasher.Hash("correct horse battery staple");

        _hasher.Verify("correct horse battery staple", hash).ShouldBe(PasswordVerification.Succeeded);
        _hasher.Verify("correct horse battery stapl", hash).ShouldBe(PasswordVerification.Failed);
        _hasher.Verify("Correct horse battery staple", hash).ShouldBe(PasswordVerification.Failed);
        _hasher.Verify("", hash).ShouldBe(PasswordVerification.Failed);
    }

    [Fact]
    public void Hashes_agree_with_an_independent_pbkdf2_implementation()
    {
        _hasher.Verify(KnownPassword, KnownHash).ShouldBe(PasswordVerification.Succeeded);
        _hasher.Verify(KnownPassword + " ", KnownHash).ShouldBe(PasswordVerification.Failed);
        _hasher.Verify(KnownUnicodePassword, KnownUnicodeHash).ShouldBe(PasswordVerification.Succeeded);
    }

    [Fact]
    public void Every_hash_gets_its_own_salt()
    {
        var hashes = Enumerable.Range(0, 5).Select(_ => _hasher.Hash("same password")).ToList();

        hashes.Distinct().Count().ShouldBe(5);
        hashes.Select(h => h.Split('$')[3]).Distinct().Count().ShouldBe(5);
        hashes.ShouldAllBe(h => _hasher.Verify("same password", h) == PasswordVerification.Succeeded);
    }

    [Fact]
    public void A_hash_with_fewer_iterations_than_configured_verifies_but_asks_for_a_rehash()
    {
        var old = new PasswordHasher(500).Hash("correct horse");

        _hasher.Verify("correct horse", old).ShouldBe(PasswordVerification.SucceededRehashNeeded);
        _hasher.Verify("wrong horse", old).ShouldBe(PasswordVerification.Failed);

        // More iterations than configured is not a reason to rehash.
        new PasswordHasher(500).Verify(KnownPassword, KnownHash).ShouldBe(PasswordVerification.Succeeded);
        new PasswordHasher(2000).Verify(KnownPassword, KnownHash).ShouldBe(PasswordVerification.SucceededRehashNeeded);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("correct horse")]
    [InlineData("$pbkdf2-sha256$i=1000$c2FsdHNhbHRzYWx0c2FsdA==")]
    [InlineData("$pbkdf2-sha256$i=1000$c2FsdHNhbHRzYWx0c2FsdA==$BBs+1+PaslLtBPULUr8/lQicvVuHiEPMz0i8MjLCbzM=$extra")]
    [InlineData("pbkdf2-sha256$i=1000$c2FsdHNhbHRzYWx0c2FsdA==$BBs+1+PaslLtBPULUr8/lQicvVuHiEPMz0i8MjLCbzM=$")]
    [InlineData("$pbkdf2-sha1$i=1000$c2FsdHNhbHRzYWx0c2FsdA==$BBs+1+PaslLtBPULUr8/lQicvVuHiEPMz0i8MjLCbzM=")]
    [InlineData("$PBKDF2-SHA256$i=1000$c2FsdHNhbHRzYWx0c2FsdA==$BBs+1+PaslLtBPULUr8/lQicvVuHiEPMz0i8MjLCbzM=")]
    [InlineData("$pbkdf2-sha256$1000$c2FsdHNhbHRzYWx0c2FsdA==$BBs+1+PaslLtBPULUr8/lQicvVuHiEPMz0i8MjLCbzM=")]
    [InlineData("$pbkdf2-sha256$i=0$c2FsdHNhbHRzYWx0c2FsdA==$BBs+1+PaslLtBPULUr8/lQicvVuHiEPMz0i8MjLCbzM=")]
    [InlineData("$pbkdf2-sha256$i=-1000$c2FsdHNhbHRzYWx0c2FsdA==$BBs+1+PaslLtBPULUr8/lQicvVuHiEPMz0i8MjLCbzM=")]
    [InlineData("$pbkdf2-sha256$i=+1000$c2FsdHNhbHRzYWx0c2FsdA==$BBs+1+PaslLtBPULUr8/lQicvVuHiEPMz0i8MjLCbzM=")]
    [InlineData("$pbkdf2-sha256$i=99999999999$c2FsdHNhbHRzYWx0c2FsdA==$BBs+1+PaslLtBPULUr8/lQicvVuHiEPMz0i8MjLCbzM=")]
    [InlineData("$pbkdf2-sha256$i=1000$not base64!$BBs+1+PaslLtBPULUr8/lQicvVuHiEPMz0i8MjLCbzM=")]
    [InlineData("$pbkdf2-sha256$i=1000$c2FsdHNhbHRzYWx0c2FsdA==$not base64!")]
    [InlineData("$pbkdf2-sha256$i=1000$c2FsdA==$BBs+1+PaslLtBPULUr8/lQicvVuHiEPMz0i8MjLCbzM=")]
    [InlineData("$pbkdf2-sha256$i=1000$c2FsdHNhbHRzYWx0c2FsdA==$BBs+1+PaslLtBPULUr8/lQicvVuHiEPMz0i8Mg==")]
    [InlineData("$pbkdf2-sha256$i=1000$$BBs+1+PaslLtBPULUr8/lQicvVuHiEPMz0i8MjLCbzM=")]
    public void A_malformed_hash_never_verifies_and_still_costs_one_computation(string? stored)
    {
        var before = _hasher.Computations;

        _hasher.Verify(KnownPassword, stored).ShouldBe(PasswordVerification.Failed);

        (_hasher.Computations - before).ShouldBe(1);
        PasswordHasher.IsWellFormed(stored).ShouldBeFalse();
    }

    [Fact]
    public void Hashing_and_verifying_each_count_one_computation()
    {
        var before = _hasher.Computations;

        var hash = _hasher.Hash("a password");
        _hasher.Verify("a password", hash);
        _hasher.Verify("another", hash);

        (_hasher.Computations - before).ShouldBe(3);
    }

    [Theory]
    [InlineData("pässwörd")]
    [InlineData("密码密码密码")]
    [InlineData("🔒🔑 emoji")]
    [InlineData("Ελληνικά και русский")]
    public void Unicode_passwords_round_trip_and_differ_from_near_misses(string password)
    {
        var hash = _hasher.Hash(password);

        _hasher.Verify(password, hash).ShouldBe(PasswordVerification.Succeeded);
        _hasher.Verify(password + "x", hash).ShouldBe(PasswordVerification.Failed);
        _hasher.Verify(password[..^1], hash).ShouldBe(PasswordVerification.Failed);
    }

    [Fact]
    public void The_iteration_count_must_be_positive()
    {
        Should.Throw<ArgumentOutOfRangeException>(() => new PasswordHasher(0));
        new PasswordHasher().Iterations.ShouldBe(PasswordHasher.DefaultIterations);
    }

    /// <summary>Hashes of "correct horse" made by OpenLDAP's slappasswd (pw-sha2 module for the SHA-2 ones).</summary>
    [Theory]
    [InlineData("{SSHA}mCLFpLADi6b5FrBeQTWZk5sbOZK0KkOy")]
    [InlineData("{SSHA256}rjOPEl8mR20pSdmVTrcSNsmxIk1mD+AUSszeJJntizrpX+izoBryjw==")]
    [InlineData("{SSHA512}mS241MBriob3rJ+/5js0qwxe06QhN53XsIBWx4BRv7OJ+34lRN8LhmjLjC+frftNfKi2hvcuOZWKNCOqsjuBNjNudXafIDGR")]
    [InlineData("{ssha}mCLFpLADi6b5FrBeQTWZk5sbOZK0KkOy")]
    public void Ldap_salted_sha_hashes_verify_and_ask_for_a_rehash(string stored)
    {
        var hasher = new PasswordHasher(1000);

        PasswordHasher.IsSupported(stored).ShouldBeTrue();
        hasher.Verify("correct horse", stored).ShouldBe(PasswordVerification.SucceededRehashNeeded);
        hasher.Verify("correct horsE", stored).ShouldBe(PasswordVerification.Failed);
        hasher.Verify("", stored).ShouldBe(PasswordVerification.Failed);
    }

    [Theory]
    [InlineData("{SHA}qUqP5cyxm6YcTAhz05Hph5gvu9M=")]
    [InlineData("{CRYPT}$6$abc$def")]
    [InlineData("{SSHA}AAAA")]
    [InlineData("{SSHA}not base64!")]
    [InlineData("{SSHA")]
    public void Other_ldap_schemes_are_not_supported(string stored)
    {
        PasswordHasher.IsSupported(stored).ShouldBeFalse();
        new PasswordHasher(1000).Verify("x", stored).ShouldBe(PasswordVerification.Failed);
    }
}
