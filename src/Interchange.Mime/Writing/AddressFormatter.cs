using System.Globalization;
using System.Text;
using Interchange.Mime.Addresses;

namespace Interchange.Mime.Writing;

/// <summary>
/// RFC 5322 text for addresses: display names as atoms, quoted strings or (non-ASCII without
/// SMTPUTF8) encoded words; local parts quoted when not dot-atoms; internationalised domains
/// as A-labels unless UTF-8 headers are allowed.
/// </summary>
internal static class AddressFormatter
{
    private const string Specials = "()<>[]:;@\\,.\"";

    public static string Format(Address address, bool utf8)
    {
        var tokens = new List<(string Whitespace, string Token)>();
        AddTokens(address, utf8, tokens);
        var text = new StringBuilder();
        foreach (var (whitespace, token) in tokens)
        {
            if (text.Length > 0)
            {
                text.Append(whitespace);
            }

            text.Append(token);
        }

        return text.ToString();
    }

    /// <summary>Adds an address list to a header, a fold point after each comma.</summary>
    public static void AddList(HeaderFolder folder, IEnumerable<Address> addresses, bool utf8)
    {
        var first = true;
        foreach (var address in addresses)
        {
            var tokens = new List<(string Whitespace, string Token)>();
            AddTokens(address, utf8, tokens);
            if (!first)
            {
                folder.Add(",", string.Empty);
            }

            foreach (var (whitespace, token) in tokens)
            {
                folder.Add(token, whitespace.Length == 0 ? string.Empty : " ");
            }

            first = false;
        }
    }

    private static void AddTokens(Address address, bool utf8, List<(string, string)> tokens)
    {
        switch (address)
        {
            case MailboxAddress mailbox:
                AddMailbox(mailbox, utf8, tokens);
                break;
            case GroupAddress group:
                AddPhrase(group.Name, utf8, tokens);
                tokens.Add((string.Empty, ":"));
                for (var i = 0; i < group.Members.Count; i++)
                {
                    AddMailbox(group.Members[i], utf8, tokens);
                    if (i < group.Members.Count - 1)
                    {
                        tokens.Add((string.Empty, ","));
                    }
                }

                tokens.Add((string.Empty, ";"));
                break;
        }
    }

    private static void AddMailbox(MailboxAddress mailbox, bool utf8, List<(string, string)> tokens)
    {
        var addrSpec = FormatAddrSpec(mailbox, utf8);
        if (string.IsNullOrEmpty(mailbox.DisplayName) && mailbox.Route is null)
        {
            tokens.Add((" ", addrSpec));
            return;
        }

        if (!string.IsNullOrEmpty(mailbox.DisplayName))
        {
            AddPhrase(mailbox.DisplayName, utf8, tokens);
        }

        var route = mailbox.Route is null ? string.Empty : WithoutControls(mailbox.Route) + ":";
        tokens.Add((" ", $"<{route}{addrSpec}>"));
    }

    public static string FormatAddrSpec(MailboxAddress mailbox, bool utf8)
    {
        var local = FormatLocalPart(mailbox.LocalPart, utf8);
        if (mailbox.Domain is null)
        {
            return local;
        }

        var domain = WithoutControls(mailbox.Domain);
        if (!utf8 && !IsAscii(domain) && !domain.StartsWith('['))
        {
            try
            {
                domain = new IdnMapping().GetAscii(domain);
            }
            catch (ArgumentException)
            {
                // Not a valid IDN: written as given, the best there is.
            }
        }

        return $"{local}@{domain}";
    }

    /// <summary>A local part as written in an addr-spec: as is when a dot-atom, else a quoted string.</summary>
    public static string FormatLocalPart(string localPart, bool utf8) =>
        IsDotAtom(localPart, utf8) ? localPart : Quote(localPart);

    // A domain or route never legitimately holds controls; dropping them keeps a hostile
    // address from breaking the header line.
    private static string WithoutControls(string text) =>
        text.Any(char.IsControl) ? string.Concat(text.Where(c => !char.IsControl(c))) : text;

    private static void AddPhrase(string phrase, bool utf8, List<(string, string)> tokens)
    {
        // Literal "=?" would read back as an encoded word (readers decode them even in quotes).
        if ((!utf8 && !IsAscii(phrase)) || phrase.Contains("=?", StringComparison.Ordinal))
        {
            foreach (var word in EncodedWordEncoder.Encode(phrase))
            {
                tokens.Add((" ", word));
            }

            return;
        }

        var words = phrase.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var atoms = words.Length > 0 && string.Join(' ', words) == phrase && words.All(w => IsAtom(w, utf8));
        if (atoms)
        {
            foreach (var word in words)
            {
                tokens.Add((" ", word));
            }
        }
        else
        {
            tokens.Add((" ", Quote(phrase)));
        }
    }

    private static string Quote(string text)
    {
        var quoted = new StringBuilder("\"");
        foreach (var c in text)
        {
            if (c is '"' or '\\')
            {
                quoted.Append('\\');
            }

            if (c is not ('\r' or '\n'))
            {
                quoted.Append(c);
            }
        }

        return quoted.Append('"').ToString();
    }

    private static bool IsAtom(string word, bool utf8) =>
        word.Length > 0 && word.All(c => IsAtext(c, utf8));

    private static bool IsDotAtom(string text, bool utf8) =>
        text.Length > 0 && !text.StartsWith('.') && !text.EndsWith('.') && !text.Contains("..", StringComparison.Ordinal)
        && text.All(c => c == '.' || IsAtext(c, utf8));

    // RFC 5322 atext; RFC 6532 adds every non-ASCII character.
    private static bool IsAtext(char c, bool utf8) =>
        c > 127 ? utf8 : c > ' ' && c < 127 && Specials.IndexOf(c, StringComparison.Ordinal) < 0;

    private static bool IsAscii(string text) => text.All(c => c < 128);
}
