using System.Text;
using Interchange.Mime.Addresses;
using Interchange.Mime.Headers;

namespace Interchange.Imap.Search;

/// <summary>
/// What a header string key (FROM, TO, CC, BCC, HEADER) is matched against. For an address
/// field it is the value as written (encoded words decoded), then, on a line of its own, each
/// address written whole as a reader sees it, <c>Display Name &lt;local@domain&gt;</c>: the display
/// name decoded, unquoted and unfolded, so "Smith, John &lt;john@" finds <c>"Smith, John" &lt;john@…&gt;</c>
/// (RFC 3501 6.4.4 matches the envelope's address structure; Dovecot and Cyrus match the whole address).
/// </summary>
public static class AddressSearchText
{
    private static readonly string[] AddressFields = ["From", "Sender", "Reply-To", "To", "Cc", "Bcc", "Resent-From", "Resent-To", "Resent-Cc", "Resent-Bcc"];

    public static string Of(HeaderField field)
    {
        ArgumentNullException.ThrowIfNull(field);
        if (!AddressFields.Any(field.Is))
        {
            return field.Value;
        }

        var text = new StringBuilder(field.Value);
        foreach (var address in AddressParser.ParseList(field.Text))
        {
            text.Append('\n');
            switch (address)
            {
                case MailboxAddress mailbox:
                    Write(text, mailbox);
                    break;
                case GroupAddress group:
                    text.Append(group.Name).Append(": ");
                    for (var i = 0; i < group.Members.Count; i++)
                    {
                        text.Append(i == 0 ? string.Empty : ", ");
                        Write(text, group.Members[i]);
                    }

                    text.Append(';');
                    break;
            }
        }

        return text.ToString();
    }

    private static void Write(StringBuilder text, MailboxAddress mailbox)
    {
        if (!string.IsNullOrEmpty(mailbox.DisplayName))
        {
            text.Append(mailbox.DisplayName).Append(' ');
        }

        text.Append('<').Append(mailbox.Address).Append('>');
    }
}
