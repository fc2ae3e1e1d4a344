namespace Interchange.Pop3.Commands;

/// <summary>The RFC 1939 states a command may be given in (UPDATE is QUIT's own work, not a state commands see).</summary>
[Flags]
public enum Pop3State
{
    /// <summary>Before login.</summary>
    Authorization = 1,

    /// <summary>Logged in, the maildrop open.</summary>
    Transaction = 2,

    Any = Authorization | Transaction,
}
