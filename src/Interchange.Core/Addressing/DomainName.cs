using System.Globalization;

namespace Interchange.Core.Addressing;

/// <summary>
/// A DNS domain in its canonical form: IDNA ASCII (A-labels, UTS #46 mapping), lower case,
/// without a trailing dot. Two spellings of one domain ("Bücher.Example.", "xn--bcher-kva.example")
/// compare equal because they normalise to the same string.
/// </summary>
public readonly record struct DomainName
{
    private static readonly IdnMapping s_idn = new() { AllowUnassigned = false, UseStd3AsciiRules = true };

    private DomainName(string ascii) => Value = ascii;

    /// <summary>The canonical ASCII form, e.g. <c>xn--bcher-kva.example</c>.</summary>
    public string Value { get; }

    /// <summary>The Unicode form for display, e.g. <c>bücher.example</c>.</summary>
    public string Unicode => s_idn.GetUnicode(Value);

    public override string ToString() => Value;

    public static DomainName Parse(string text) =>
        TryParse(text, out var domain, out var error) ? domain : throw new FormatException(error);

    /// <summary>RFC 1035 / 5890 rules: labels of 1–63 letters, digits and inner hyphens, at most 253 octets in all.</summary>
    public static bool TryParse(string? text, out DomainName domain, out string error)
    {
        domain = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "the domain is empty";
            return false;
        }

        var trimmed = text.Trim();
        if (trimmed.EndsWith('.'))
        {
            trimmed = trimmed[..^1];
        }

        if (trimmed.StartsWith('[') || trimmed.Length == 0)
        {
            error = $"'{text}' is not a domain name (address literals are not accepted here)";
            return false;
        }

        string ascii;
        try
        {
            ascii = s_idn.GetAscii(trimmed).ToLowerInvariant();
        }
        catch (ArgumentException)
        {
            error = $"'{text}' is not a valid domain name";
            return false;
        }

        if (ascii.Length > 253)
        {
            error = $"'{text}' is longer than 253 characters";
            return false;
        }

        foreach (var label in ascii.Split('.'))
        {
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-' || !label.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-')
                || IsReserved(label))
            {
                error = $"'{text}' is not a valid domain name";
                return false;
            }
        }

        domain = new DomainName(ascii);
        error = string.Empty;
        return true;
    }

    // "--" in positions 3 and 4 marks an encoded label (RFC 5891 §4.2.3.1): refused unless it
    // is an "xn--" A-label that decodes to a U-label encoding back to it, so Unicode is total.
    private static bool IsReserved(string label)
    {
        if (label.Length < 4 || label[2] != '-' || label[3] != '-')
        {
            return false;
        }

        if (!label.StartsWith("xn--", StringComparison.Ordinal))
        {
            return true;
        }

        try
        {
            var unicode = s_idn.GetUnicode(label);
            return unicode == label || !string.Equals(s_idn.GetAscii(unicode), label, StringComparison.OrdinalIgnoreCase);
        }
        catch (ArgumentException)
        {
            return true;
        }
    }
}
