namespace Interchange.MailAuth.Dkim;

/// <summary>Syntax checks of the names we put into DNS queries, so a malformed <c>d=</c> or From domain
/// is a permerror without a query.</summary>
internal static class DomainNames
{
    /// <summary>A DNS name of LDH labels (underscores allowed: some signers use them), 1-63 octets each, 253 in all.</summary>
    public static bool IsValid(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > 253)
        {
            return false;
        }

        var trimmed = name.EndsWith('.') ? name[..^1] : name;
        return trimmed.Length > 0 && trimmed.Split('.').All(IsLabel);
    }

    /// <summary>A selector is one or more labels (RFC 6376 3.1: sub-domain).</summary>
    public static bool IsValidSelector(string? selector) => IsValid(selector) && selector!.Length <= 200;

    private static bool IsLabel(string label) =>
        label.Length is > 0 and <= 63 && label.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
}
