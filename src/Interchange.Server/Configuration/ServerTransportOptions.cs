using Interchange.Smtp.Delivery;
using Interchange.Transport;

namespace Interchange.Server.Configuration;

/// <summary>
/// The <c>Transport</c> section as the server binds it: the transport's own settings and the SMTP
/// connector's (<c>Transport:Smtp</c>), which the Transport project cannot name (the SMTP code
/// builds on it, not the other way round).
/// </summary>
public sealed class ServerTransportOptions : TransportOptions
{
    /// <summary>The SMTP client and connector (<c>Transport:Smtp</c>).</summary>
    public SmtpDeliveryOptions Smtp { get; set; } = new();
}
