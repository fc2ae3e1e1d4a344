using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;

namespace Interchange.Web.Autoconfig;

/// <summary>
/// An Apple configuration profile (<c>.mobileconfig</c>, a property list) with one
/// <c>com.apple.mail.managed</c> payload: the user's address, incoming IMAP (POP3 when there is no
/// IMAP), outgoing SMTP submission, the address as the user name on both, and no password (the
/// device asks for it at install). Identifiers and UUIDs are derived from the user and the host,
/// so installing a fresh download replaces the earlier profile instead of adding a second.
/// <see cref="ProfileSigner"/> signs it with the server's certificate.
/// </summary>
public static class AppleProfile
{
    public const string ContentType = "application/x-apple-aspen-config";

    /// <summary>The profile, or null when the server offers no incoming or no outgoing endpoint.</summary>
    public static XDocument? Build(string address, ClientServices services)
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentNullException.ThrowIfNull(services);
        var incoming = services.Imap.FirstOrDefault() ?? services.Pop3.FirstOrDefault();
        var outgoing = services.Smtp.FirstOrDefault();
        if (incoming is null || outgoing is null)
        {
            return null;
        }

        var reverseHost = string.Join('.', services.Host.Split('.').Reverse());
        var identifier = $"{reverseHost}.interchange.{Uuid(address, services.Host, "profile")}";
        var mail = Dict(
            ("EmailAccountDescription", Text(address)),
            ("EmailAccountType", Text(incoming.Protocol == "imap" ? "EmailTypeIMAP" : "EmailTypePOP")),
            ("EmailAddress", Text(address)),
            ("IncomingMailServerAuthentication", Text("EmailAuthPassword")),
            ("IncomingMailServerHostName", Text(incoming.Host)),
            ("IncomingMailServerPortNumber", new XElement("integer", incoming.Port)),
            ("IncomingMailServerUseSSL", Bool(true)),
            ("IncomingMailServerUsername", Text(address)),
            ("OutgoingMailServerAuthentication", Text("EmailAuthPassword")),
            ("OutgoingMailServerHostName", Text(outgoing.Host)),
            ("OutgoingMailServerPortNumber", new XElement("integer", outgoing.Port)),
            ("OutgoingMailServerUseSSL", Bool(true)),
            ("OutgoingMailServerUsername", Text(address)),
            ("OutgoingPasswordSameAsIncomingPassword", Bool(true)),
            ("PayloadDescription", Text($"Mail account {address}")),
            ("PayloadDisplayName", Text(address)),
            ("PayloadIdentifier", Text(identifier + ".mail")),
            ("PayloadType", Text("com.apple.mail.managed")),
            ("PayloadUUID", Text(Uuid(address, services.Host, "mail"))),
            ("PayloadVersion", new XElement("integer", 1)));
        var profile = Dict(
            ("PayloadContent", new XElement("array", mail)),
            ("PayloadDescription", Text($"Mail settings for {address} on {services.Host}")),
            ("PayloadDisplayName", Text($"Mail: {address}")),
            ("PayloadIdentifier", Text(identifier)),
            ("PayloadRemovalDisallowed", Bool(false)),
            ("PayloadType", Text("Configuration")),
            ("PayloadUUID", Text(Uuid(address, services.Host, "profile"))),
            ("PayloadVersion", new XElement("integer", 1)));
        return new XDocument(
            new XDeclaration("1.0", "UTF-8", null),
            new XDocumentType("plist", "-//Apple//DTD PLIST 1.0//EN", "http://www.apple.com/DTDs/PropertyList-1.0.dtd", null),
            new XElement("plist", new XAttribute("version", "1.0"), profile));
    }

    private static XElement Dict(params (string Key, XElement Value)[] entries)
    {
        var dict = new XElement("dict");
        foreach (var (key, value) in entries)
        {
            dict.Add(new XElement("key", key), value);
        }

        return dict;
    }

    private static XElement Text(string value) => new("string", value);

    private static XElement Bool(bool value) => new(value ? "true" : "false");

    /// <summary>A stable UUID (RFC 9562 version 8 layout) from the user, the host and the payload's role.</summary>
    private static string Uuid(string address, string host, string role)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"interchange\n{address.ToLowerInvariant()}\n{host.ToLowerInvariant()}\n{role}"));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16), bigEndian: true).ToString().ToUpperInvariant();
    }
}
