using System.Globalization;
using System.Xml;
using System.Xml.Linq;

namespace Interchange.Web.Autoconfig;

/// <summary>
/// Microsoft Autodiscover, the "POX" (plain old XML) flavour Outlook uses for IMAP/POP3 accounts
/// ([MS-OXDSCLI]): the client POSTs an <c>Autodiscover</c> request naming <c>EMailAddress</c> and
/// <c>AcceptableResponseSchema</c>; the answer is the outlook 2006a response with one
/// <c>Protocol</c> block per endpoint (IMAP then SMTP; POP3 when there is no IMAP). Errors use
/// Autodiscover's own shape (<c>Response/Error/ErrorCode</c>, 600 "Invalid Request", 601
/// "Requested schema version not supported", 500 for an address we do not serve).
/// The request is parsed with DTDs prohibited and no resolver (no XXE, no entity expansion)
/// and at most <see cref="MaxRequestBytes"/> long.
/// </summary>
public static class AutodiscoverResponder
{
    public const string RequestNamespace = "http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006";
    public const string ResponseNamespace = "http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006";
    public const string OutlookResponseSchema = "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a";

    /// <summary>Largest request read; a real one is a few hundred bytes.</summary>
    public const int MaxRequestBytes = 16 * 1024;

    /// <summary>Reads a request; null with an error code and message when it is not one we answer.</summary>
    public static AutodiscoverRequest Parse(byte[] body)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (body.Length > MaxRequestBytes)
        {
            return AutodiscoverRequest.Invalid(600, "Invalid Request: too large");
        }

        var settings = new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            MaxCharactersInDocument = MaxRequestBytes,
            IgnoreComments = true,
        };
        XDocument document;
        try
        {
            using var stream = new MemoryStream(body, writable: false);
            using var reader = XmlReader.Create(stream, settings);
            document = XDocument.Load(reader);
        }
        catch (XmlException)
        {
            return AutodiscoverRequest.Invalid(600, "Invalid Request");
        }

        XNamespace ns = RequestNamespace;
        var request = document.Root is { } root && root.Name == ns + "Autodiscover" ? root.Element(ns + "Request") : null;
        var address = request?.Element(ns + "EMailAddress")?.Value.Trim();
        var schema = request?.Element(ns + "AcceptableResponseSchema")?.Value.Trim();
        if (string.IsNullOrEmpty(address))
        {
            return AutodiscoverRequest.Invalid(600, "Invalid Request");
        }

        if (!string.Equals(schema, OutlookResponseSchema, StringComparison.Ordinal))
        {
            return AutodiscoverRequest.Invalid(601, "Requested schema version not supported");
        }

        return new AutodiscoverRequest(address, null, null);
    }

    /// <summary>The settings for <paramref name="address"/> (the login name is the whole address).</summary>
    public static XDocument Settings(string address, ClientServices services)
    {
        ArgumentNullException.ThrowIfNull(services);
        XNamespace outlook = OutlookResponseSchema;
        var account = new XElement(outlook + "Account",
            new XElement(outlook + "AccountType", "email"),
            new XElement(outlook + "Action", "settings"));
        var incoming = services.Imap.FirstOrDefault() ?? services.Pop3.FirstOrDefault();
        if (incoming is not null)
        {
            account.Add(Protocol(outlook, incoming.Protocol == "imap" ? "IMAP" : "POP3", incoming, address));
        }

        if (services.Smtp.FirstOrDefault() is { } smtp)
        {
            var block = Protocol(outlook, "SMTP", smtp, address);
            block.Add(new XElement(outlook + "UsePOPAuth", "on"));
            account.Add(block);
        }

        return Envelope(new XElement(outlook + "Response",
            new XElement(outlook + "User", new XElement(outlook + "AutoDiscoverSMTPAddress", address)),
            account));
    }

    /// <summary>An Autodiscover error response.</summary>
    public static XDocument Error(int code, string message)
    {
        XNamespace ns = ResponseNamespace;
        return Envelope(new XElement(ns + "Response",
            new XElement(ns + "Error",
                new XAttribute("Time", DateTimeOffset.UtcNow.ToString("HH:mm:ss.fffffff", CultureInfo.InvariantCulture)),
                new XAttribute("Id", "0"),
                new XElement(ns + "ErrorCode", code),
                new XElement(ns + "Message", message),
                new XElement(ns + "DebugData"))));
    }

    private static XDocument Envelope(XElement response) =>
        new(new XDeclaration("1.0", "utf-8", null), new XElement(XName.Get("Autodiscover", ResponseNamespace), response));

    private static XElement Protocol(XNamespace ns, string type, ClientEndpoint endpoint, string address) =>
        new(ns + "Protocol",
            new XElement(ns + "Type", type),
            new XElement(ns + "Server", endpoint.Host),
            new XElement(ns + "Port", endpoint.Port),
            new XElement(ns + "LoginName", address),
            new XElement(ns + "DomainRequired", "off"),
            new XElement(ns + "SPA", "off"),
            new XElement(ns + "SSL", "on"),

            // Encryption overrides SSL where Outlook knows it: SSL = TLS from the start, TLS = STARTTLS.
            new XElement(ns + "Encryption", endpoint.ImplicitTls ? "SSL" : "TLS"),
            new XElement(ns + "AuthRequired", "on"));
}
