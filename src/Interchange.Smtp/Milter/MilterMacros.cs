using System.Globalization;
using System.Net;
using Interchange.Smtp.Filters;
using Interchange.Smtp.Milter.Protocol;
using Interchange.Smtp.Protocol;

namespace Interchange.Smtp.Milter;

/// <summary>
/// The macros (Sendmail's "symbols") a milter is sent before each stage: Postfix's default lists
/// unless the milter named its own with SMFIF_SETSYMLIST, and their values for one SMTP connection.
/// A macro without a value (no TLS, no login) is not sent, as Postfix does.
/// </summary>
internal sealed class MilterMacros(SmtpFilterConnection connection)
{
    /// <summary>Postfix's milter_*_macros defaults (the connect list with the client's address, port and name added).</summary>
    public static readonly IReadOnlyDictionary<MilterMacroStage, string[]> Defaults = new Dictionary<MilterMacroStage, string[]>
    {
        [MilterMacroStage.Connect] = ["j", "{daemon_name}", "{daemon_addr}", "v", "_", "{client_addr}", "{client_port}", "{client_name}"],
        [MilterMacroStage.Helo] = ["{tls_version}", "{cipher}", "{cipher_bits}", "{cert_subject}", "{cert_issuer}"],
        [MilterMacroStage.Mail] = ["i", "{auth_type}", "{auth_authen}", "{auth_ssf}", "{auth_author}", "{mail_mailer}", "{mail_host}", "{mail_addr}"],
        [MilterMacroStage.Recipient] = ["{rcpt_mailer}", "{rcpt_host}", "{rcpt_addr}"],
        [MilterMacroStage.Data] = ["i"],
        [MilterMacroStage.EndOfHeader] = ["i"],
        [MilterMacroStage.EndOfMessage] = ["i"],
    };

    private static readonly string s_version = "Interchange " + (typeof(MilterMacros).Assembly.GetName().Version?.ToString(3) ?? "0");

    /// <summary>MAIL FROM of the transaction in progress (empty for the null path), null outside one.</summary>
    public string? Sender { get; set; }

    /// <summary>The AUTH= parameter of MAIL FROM, decoded (RFC 4954 5), as <c>{auth_author}</c>.</summary>
    public string? AuthAuthor { get; set; }

    /// <summary>The recipient of the RCPT stage in progress.</summary>
    public string? Recipient { get; set; }

    /// <summary>The command byte that carries the macros of <paramref name="stage"/> (SMFIC_MACRO's first byte).</summary>
    public static byte CommandOf(MilterMacroStage stage) => stage switch
    {
        MilterMacroStage.Connect => MilterCommand.Connect,
        MilterMacroStage.Helo => MilterCommand.Helo,
        MilterMacroStage.Mail => MilterCommand.Mail,
        MilterMacroStage.Recipient => MilterCommand.Recipient,
        MilterMacroStage.Data => MilterCommand.Data,
        MilterMacroStage.EndOfHeader => MilterCommand.EndOfHeader,
        _ => MilterCommand.EndOfBody,
    };

    /// <summary>Writes SMFIC_MACRO for <paramref name="stage"/> with the names in <paramref name="names"/> that have a value; nothing if none has.</summary>
    public void Write(MilterPacketWriter output, MilterMacroStage stage, IReadOnlyList<string> names)
    {
        var started = false;
        foreach (var name in names)
        {
            if (Value(name) is not { } value)
            {
                continue;
            }

            if (!started)
            {
                output.Begin(MilterCommand.Macro).WriteByte(CommandOf(stage));
                started = true;
            }

            output.WriteString(name).WriteString(value);
        }

        if (started)
        {
            output.End();
        }
    }

    /// <summary>The value of macro <paramref name="name"/> (<c>j</c>, <c>{client_addr}</c>, or the long name without braces), null when it has none.</summary>
    public string? Value(string name)
    {
        var key = name.Length > 2 && name[0] == '{' && name[^1] == '}' ? name[1..^1] : name;
        return key switch
        {
            "j" or "daemon_name" => connection.HostName,
            "daemon_addr" => connection.Local is { } local ? Address(local.Address) : null,
            "daemon_port" => connection.Local?.Port.ToString(CultureInfo.InvariantCulture),
            "v" => s_version,

            // No reverse lookup is made: Postfix's values for a client without a verified name.
            "_" => $"unknown [{Address(connection.Client.Address)}]",
            "client_addr" => Address(connection.Client.Address),
            "client_port" => connection.Client.Port.ToString(CultureInfo.InvariantCulture),
            "client_name" => "unknown",
            "s" => connection.Helo,
            "tls_version" => connection.IsTls ? connection.TlsProtocol : null,
            "cipher" => connection.IsTls ? connection.TlsCipher : null,
            "i" => connection.TransactionId,
            "auth_type" => connection.AuthenticatedUser is null ? null : connection.AuthenticationMechanism,
            "auth_authen" => connection.AuthenticatedUser,
            "auth_author" => AuthAuthor,
            "mail_addr" => Sender,
            "mail_host" => Sender is null ? null : Domain(Sender),
            "rcpt_addr" => Recipient,
            "rcpt_host" => Recipient is null ? null : Domain(Recipient),
            _ => null,
        };
    }

    /// <summary>Remembers what the MAIL stage's macros tell of the transaction.</summary>
    public void StartTransaction(string sender, IReadOnlyList<string> parameters)
    {
        Sender = sender;
        Recipient = null;
        AuthAuthor = null;
        foreach (var parameter in parameters)
        {
            if (parameter.StartsWith("AUTH=", StringComparison.OrdinalIgnoreCase))
            {
                var value = SmtpParameters.DecodeXtext(parameter[5..]);
                AuthAuthor = value is null or "<>" ? null : value;
            }
        }
    }

    public void EndTransaction()
    {
        Sender = null;
        Recipient = null;
        AuthAuthor = null;
    }

    public static string Address(IPAddress address) =>
        (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString();

    private static string? Domain(string address)
    {
        var at = address.LastIndexOf('@');
        return at < 0 ? null : address[(at + 1)..];
    }
}
