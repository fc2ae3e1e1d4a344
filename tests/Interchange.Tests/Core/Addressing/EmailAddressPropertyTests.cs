using FsCheck;
using FsCheck.Fluent;
using Interchange.Core.Addressing;

namespace Interchange.Tests.Core.Addressing;

/// <summary>Properties of address normalisation over generated dot-atom addresses.</summary>
public sealed class EmailAddressPropertyTests
{
    private const string Atext = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~éüжΔ";
    private const string LabelChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

    private static readonly Gen<string> s_segment =
        Gen.Choose(1, 8).SelectMany(n => Gen.ArrayOf(Gen.Elements(Atext.ToCharArray()), n)).Select(cs => new string(cs));

    private static readonly Gen<string> s_local =
        Gen.Choose(1, 4).SelectMany(n => Gen.ArrayOf(s_segment, n)).Select(parts => string.Join('.', parts));

    private static readonly Gen<string> s_label =
        Gen.Choose(1, 12).SelectMany(n => Gen.ArrayOf(Gen.Elements(LabelChars.ToCharArray()), n)).Select(cs => new string(cs));

    private static readonly Gen<string> s_domain =
        Gen.Choose(1, 3).SelectMany(n => Gen.ArrayOf(s_label, n)).Select(labels => string.Join('.', labels) + ".example");

    private static readonly Arbitrary<(string Local, string Domain)> s_addresses =
        s_local.Zip(s_domain).ToArbitrary();

    [Fact]
    public void Every_dot_atom_address_parses_and_its_value_round_trips()
    {
        Prop.ForAll(s_addresses, a =>
        {
            var text = $"{a.Local}@{a.Domain}";
            if (!EmailAddress.TryParse(text, out var parsed, out _))
            {
                return false;
            }

            var canonicalDomain = a.Domain.ToLowerInvariant();
            return parsed.LocalPart == a.Local
                && parsed.Domain.Value == canonicalDomain
                && EmailAddress.Parse(parsed.Value) == parsed
                && EmailAddress.Parse(parsed.Key).Key == parsed.Key;
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Changing_the_case_of_any_part_never_changes_the_key()
    {
        Prop.ForAll(s_addresses, a =>
        {
            var original = EmailAddress.Parse($"{a.Local}@{a.Domain}");
            var upper = EmailAddress.Parse($"{a.Local.ToUpperInvariant()}@{a.Domain.ToUpperInvariant()}");
            var lower = EmailAddress.Parse($"{a.Local.ToLowerInvariant()}@{a.Domain.ToLowerInvariant()}");

            var expectedKey = $"{a.Local.ToLowerInvariant()}@{a.Domain.ToLowerInvariant()}";
            return upper.Key == original.Key
                && lower.Key == original.Key
                && upper.Matches(lower)
                && original.Key == expectedKey;
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void A_dot_at_either_end_of_the_local_part_is_always_refused()
    {
        Prop.ForAll(s_addresses, a =>
            !EmailAddress.TryParse($".{a.Local}@{a.Domain}", out _, out _)
            && !EmailAddress.TryParse($"{a.Local}.@{a.Domain}", out _, out _)
            && !EmailAddress.TryParse($"{a.Local}..x@{a.Domain}", out _, out _)).QuickCheckThrowOnFailure();
    }
}
