using System.Text;

namespace Interchange.Directory.Security;

/// <summary>
/// The client side of the SASL mechanisms every protocol here offers (SMTP AUTH, IMAP
/// AUTHENTICATE, POP3 AUTH): decoding base64 responses and reading PLAIN (RFC 4616). The
/// protocols differ only in how they frame challenges and refusals.
/// </summary>
public static class SaslResponses
{
    /// <summary>LOGIN's first challenge, "Username:" in base64.</summary>
    public const string LoginUserChallenge = "VXNlcm5hbWU6";

    /// <summary>LOGIN's second challenge, "Password:" in base64.</summary>
    public const string LoginPasswordChallenge = "UGFzc3dvcmQ6";

    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>True when the client cancelled the exchange ("*", RFC 4954 4, RFC 9051 6.2.2).</summary>
    public static bool IsCancel(string response) => response.Trim() == "*";

    /// <summary>A base64 response as UTF-8 text; "=" is the empty initial response (RFC 4959, RFC 4954).</summary>
    public static bool TryDecode(string response, out string text)
    {
        ArgumentNullException.ThrowIfNull(response);
        var trimmed = response.Trim();
        try
        {
            text = trimmed == "=" ? string.Empty : s_strictUtf8.GetString(Convert.FromBase64String(trimmed));
            return true;
        }
        catch (Exception ex) when (ex is FormatException or DecoderFallbackException)
        {
            text = string.Empty;
            return false;
        }
    }

    /// <summary>
    /// PLAIN's "authzid NUL authcid NUL passwd". We only ever act as the authenticated user, so an
    /// authorization identity must be empty or the same as the authentication identity.
    /// </summary>
    public static bool TryParsePlain(string decoded, out string user, out string password)
    {
        ArgumentNullException.ThrowIfNull(decoded);
        var fields = decoded.Split('\0');
        if (fields.Length != 3 || fields[1].Length == 0 || (fields[0].Length > 0 && !string.Equals(fields[0], fields[1], StringComparison.OrdinalIgnoreCase)))
        {
            user = password = string.Empty;
            return false;
        }

        user = fields[1];
        password = fields[2];
        return true;
    }
}
