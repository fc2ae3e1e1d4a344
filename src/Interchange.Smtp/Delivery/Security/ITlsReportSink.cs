namespace Interchange.Smtp.Delivery.Security;

/// <summary>
/// Where each session's TLS report goes (<see cref="TlsSessionReport"/>). Today: the log and a
/// counter (<see cref="TlsReportLog"/>). A TLS-RPT sender (RFC 8460) is another sink that adds the
/// reports up per policy domain and day and mails them to the domain's <c>_smtp._tls</c> rua.
/// Called on delivery paths: must not block.
/// </summary>
public interface ITlsReportSink
{
    void Record(TlsSessionReport report);
}
