namespace Interchange.Smtp.Delivery.Security;

/// <summary>DANE for mail out (<c>Transport:Smtp:Dane</c>; RFC 7672). In effect only with a validating resolver (<c>Transport:Dns:DnssecResolver</c>).</summary>
public sealed class DaneOptions
{
    /// <summary>Look up TLSA records of MX hosts whose MX and address records are DNSSEC-validated, and authenticate them by those.</summary>
    public bool Enabled { get; set; } = true;
}
