using System.Xml.Linq;

namespace Interchange.Web.Autoconfig;

/// <summary>
/// Thunderbird's autoconfig document (<c>config-v1.1.xml</c>, the format of Mozilla's ISP
/// database and of <c>/.well-known/autoconfig/mail/</c>): an <c>emailProvider</c> for the domain with
/// an <c>incomingServer</c> per IMAP/POP3 endpoint and an <c>outgoingServer</c> per submission
/// endpoint, preferred first (Thunderbird offers the first and keeps the rest as alternatives).
/// The user name is the whole address (<c>%EMAILADDRESS%</c>); passwords go in the clear inside TLS
/// (<c>password-cleartext</c>), which is what our AUTH PLAIN/LOGIN and IMAP LOGIN take.
/// </summary>
public static class ThunderbirdConfig
{
    public static XDocument Build(string domain, ClientServices services)
    {
        ArgumentNullException.ThrowIfNull(services);
        var provider = new XElement("emailProvider",
            new XAttribute("id", domain),
            new XElement("domain", domain),
            new XElement("displayName", $"{domain} mail"),
            new XElement("displayShortName", domain));
        foreach (var endpoint in services.Imap.Concat(services.Pop3))
        {
            provider.Add(Server("incomingServer", endpoint));
        }

        foreach (var endpoint in services.Smtp)
        {
            provider.Add(Server("outgoingServer", endpoint));
        }

        return new XDocument(new XDeclaration("1.0", "UTF-8", null), new XElement("clientConfig", new XAttribute("version", "1.1"), provider));
    }

    private static XElement Server(string kind, ClientEndpoint endpoint) =>
        new(kind,
            new XAttribute("type", endpoint.Protocol),
            new XElement("hostname", endpoint.Host),
            new XElement("port", endpoint.Port),
            new XElement("socketType", endpoint.SocketType),
            new XElement("authentication", "password-cleartext"),
            new XElement("username", "%EMAILADDRESS%"));
}
