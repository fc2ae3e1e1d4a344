namespace Interchange.Directory.Ldap;

/// <summary>One LDAP server: host, port and whether the connection is TLS from the start (<c>ldaps://</c>).</summary>
public sealed record LdapServerAddress(string Host, int Port, bool Ldaps)
{
    public override string ToString() => $"{(Ldaps ? "ldaps" : "ldap")}://{(Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]" : Host)}:{Port}";

    /// <summary>Parses <c>ldap://host[:port][/]</c> or <c>ldaps://…</c> (RFC 4516, without DN or query parts).</summary>
    public static LdapServerAddress Parse(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("ldap" or "ldaps"))
        {
            throw new FormatException($"'{url}' is not an ldap:// or ldaps:// URL");
        }

        if (uri.AbsolutePath is not ("" or "/") || uri.Query.Length > 0 || uri.UserInfo.Length > 0 || string.IsNullOrEmpty(uri.Host))
        {
            throw new FormatException($"'{url}' must name only a host and a port (set the base DN in Directory:Ldap:BaseDn)");
        }

        var ldaps = uri.Scheme == "ldaps";
        var port = uri.IsDefaultPort || uri.Port < 0 ? (ldaps ? 636 : 389) : uri.Port;
        return new LdapServerAddress(uri.IdnHost.Trim('[', ']'), port, ldaps);
    }
}
