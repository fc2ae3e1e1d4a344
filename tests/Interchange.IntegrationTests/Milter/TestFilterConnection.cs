using System.Net;
using Interchange.Smtp.Filters;

namespace Interchange.Testing.Milter;

/// <summary>An SMTP connection as a filter sees it, with every property settable: the milter tests
/// drive filter sessions without an SMTP server.</summary>
public sealed class TestFilterConnection : SmtpFilterConnection
{
    private string _listener = "smtp";
    private string _hostName = "mx.interchange.test";
    private string _sessionId = "S1";
    private IPEndPoint _client = new(IPAddress.Parse("192.0.2.10"), 40123);
    private IPEndPoint _local = new(IPAddress.Parse("198.51.100.1"), 25);

    public override string Listener => _listener;

    public override string HostName => _hostName;

    public override string SessionId => _sessionId;

    public override IPEndPoint Client => _client;

    public override IPEndPoint? Local => _local;

    public override string? Helo => HeloName;

    public override bool IsTls => TlsProtocolName is not null;

    public override string? TlsProtocol => TlsProtocolName;

    public override string? TlsCipher => TlsCipherName;

    public override string? AuthenticatedUser => User;

    public override string? AuthenticationMechanism => Mechanism;

    public override string? TransactionId => Transaction;

    public string? HeloName { get; set; }

    public string? TlsProtocolName { get; set; }

    public string? TlsCipherName { get; set; }

    public string? User { get; set; }

    public string? Mechanism { get; set; }

    public string? Transaction { get; set; }

    public TestFilterConnection WithListener(string listener)
    {
        _listener = listener;
        return this;
    }

    public TestFilterConnection WithHostName(string hostName)
    {
        _hostName = hostName;
        return this;
    }

    public TestFilterConnection WithSession(string sessionId)
    {
        _sessionId = sessionId;
        return this;
    }

    public TestFilterConnection WithClient(string address, int port)
    {
        _client = new IPEndPoint(IPAddress.Parse(address), port);
        return this;
    }

    public TestFilterConnection WithLocal(string address, int port)
    {
        _local = new IPEndPoint(IPAddress.Parse(address), port);
        return this;
    }
}
