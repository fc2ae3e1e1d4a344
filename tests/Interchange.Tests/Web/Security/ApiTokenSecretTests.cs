using Interchange.Web.Security;
using Shouldly;

namespace Interchange.Tests.Web.Security;

/// <summary>The API token's shape: <c>ixt_ID_SECRET</c>, a 256-bit secret, only its hash stored, compared in full.</summary>
public sealed class ApiTokenSecretTests
{
    [Fact]
    public void A_new_token_parses_back_to_its_id_and_a_secret_that_matches_the_stored_hash()
    {
        var (id, token, hash) = ApiTokenSecret.Create();
        token.ShouldStartWith("ixt_" + id + "_");
        ApiTokenSecret.TryParse(token, out var parsedId, out var secret).ShouldBeTrue();
        parsedId.ShouldBe(id);
        Convert.FromBase64String(secret.Replace('-', '+').Replace('_', '/') + "=").Length.ShouldBe(32);
        ApiTokenSecret.Matches(secret, hash).ShouldBeTrue();
        hash.ShouldNotContain(secret);
        ApiTokenSecret.Matches(secret[..^1] + (secret[^1] == 'A' ? 'B' : 'A'), hash).ShouldBeFalse();
    }

    [Fact]
    public void Two_tokens_differ()
    {
        var tokens = Enumerable.Range(0, 100).Select(_ => ApiTokenSecret.Create().Token).ToHashSet();
        tokens.Count.ShouldBe(100);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("ixt_")]
    [InlineData("Bearer ixt_0123456789abcdef01_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("ixt_0123456789ABCDEF01_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")] // id is lower-case hex
    [InlineData("ixt_0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")] // id too short
    [InlineData("ixt_0123456789abcdef01_short")]
    [InlineData("ghp_0123456789abcdef01_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public void Malformed_tokens_are_refused(string? token) =>
        ApiTokenSecret.TryParse(token, out _, out _).ShouldBeFalse();

    [Fact]
    public void An_overlong_token_is_refused_before_anything_is_hashed() =>
        ApiTokenSecret.TryParse("ixt_0123456789abcdef01_" + new string('A', 10_000), out _, out _).ShouldBeFalse();
}
