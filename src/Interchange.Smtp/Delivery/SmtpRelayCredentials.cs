namespace Interchange.Smtp.Delivery;

/// <summary>A smart host's login (an entry of <c>Transport:Smtp:RelayCredentials</c>); the password is never logged.</summary>
public sealed class SmtpRelayCredentials
{
    /// <summary>The smart host as a route names it: <c>host:port</c> or <c>[ip]:port</c>.</summary>
    public string SmartHost { get; set; } = "";

    public string UserName { get; set; } = "";

    public string Password { get; set; } = "";

    public override string ToString() => $"{UserName} at {SmartHost} (password hidden)";
}
