using System.Text;

namespace Interchange.Core.Addressing;

/// <summary>
/// A mailbox address <c>local@domain</c> as the directory stores it: the local part is an
/// RFC 5321 dot-string (RFC 6531 UTF-8 allowed), the domain canonical (see
/// <see cref="DomainName"/>). Local parts are kept as written but matched case-insensitively,
/// through <see cref="Key"/>.
/// </summary>
public readonly record struct EmailAddress
{
    public const int MaxLocalPartOctets = 64;
    public const int MaxAddressOctets = 254;

    private EmailAddress(string localPart, DomainName domain)
    {
        LocalPart = localPart;
        Domain = domain;
    }

    public string LocalPart { get; }

    public DomainName Domain { get; }

    /// <summary>The address as stored and shown: local part as written, canonical domain.</summary>
    public string Value => $"{LocalPart}@{Domain.Value}";

    /// <summary>The lookup key: local part folded to lower case, canonical domain.</summary>
    public string Key => $"{LocalPart.ToLowerInvariant()}@{Domain.Value}";

    public override string ToString() => Value;

    public bool Matches(EmailAddress other) => string.Equals(Key, other.Key, StringComparison.Ordinal);

    public static EmailAddress Parse(string text) =>
        TryParse(text, out var address, out var error) ? address : throw new FormatException(error);

    public static bool TryParse(string? text, out EmailAddress address, out string error)
    {
        address = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "the address is empty";
            return false;
        }

        var trimmed = text.Trim();
        if (trimmed.StartsWith('<') && trimmed.EndsWith('>'))
        {
            trimmed = trimmed[1..^1];
        }

        var at = trimmed.LastIndexOf('@');
        if (at <= 0 || at == trimmed.Length - 1)
        {
            error = $"'{text}' is not an address of the form local@domain";
            return false;
        }

        var local = trimmed[..at];
        if (!IsDotString(local, out error))
        {
            error = $"'{text}': {error}";
            return false;
        }

        if (!DomainName.TryParse(trimmed[(at + 1)..], out var domain, out error))
        {
            error = $"'{text}': {error}";
            return false;
        }

        address = new EmailAddress(local, domain);
        if (Encoding.UTF8.GetByteCount(address.Value) > MaxAddressOctets)
        {
            address = default;
            error = $"'{text}' is longer than {MaxAddressOctets} octets";
            return false;
        }

        error = string.Empty;
        return true;
    }

    /// <summary>RFC 5321 Dot-string over RFC 5322 atext, extended to UTF-8 by RFC 6531.</summary>
    private static bool IsDotString(string local, out string error)
    {
        if (Encoding.UTF8.GetByteCount(local) > MaxLocalPartOctets)
        {
            error = $"the local part is longer than {MaxLocalPartOctets} octets";
            return false;
        }

        if (local.StartsWith('.') || local.EndsWith('.') || local.Contains("..", StringComparison.Ordinal))
        {
            error = "the local part has a leading, trailing or doubled dot";
            return false;
        }

        foreach (var rune in local.EnumerateRunes())
        {
            if (!(rune.Value == '.' || IsAtext(rune)))
            {
                error = rune.Value == '"'
                    ? "quoted local parts are not accepted for directory objects"
                    : $"the local part contains '{rune}', which is not allowed";
                return false;
            }
        }

        error = string.Empty;
        return true;
    }

    private static bool IsAtext(Rune rune)
    {
        var c = rune.Value;
        if (c >= 0x80)
        {
            // RFC 6532 UTF8-non-ascii; control and separator characters are still refused.
            return !Rune.IsControl(rune) && !Rune.IsWhiteSpace(rune);
        }

        return c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9')
            || "!#$%&'*+-/=?^_`{|}~".Contains((char)c, StringComparison.Ordinal);
    }
}
