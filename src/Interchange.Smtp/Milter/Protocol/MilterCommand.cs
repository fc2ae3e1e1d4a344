namespace Interchange.Smtp.Milter.Protocol;

/// <summary>The command bytes the MTA sends (SMFIC_*, Sendmail's libmilter <c>mfdef.h</c>, protocol version 6).</summary>
internal static class MilterCommand
{
    public const byte Abort = (byte)'A';
    public const byte Body = (byte)'B';
    public const byte Connect = (byte)'C';
    public const byte Macro = (byte)'D';
    public const byte EndOfBody = (byte)'E';
    public const byte Helo = (byte)'H';
    public const byte QuitNewConnection = (byte)'K';
    public const byte Header = (byte)'L';
    public const byte Mail = (byte)'M';
    public const byte EndOfHeader = (byte)'N';
    public const byte OptionNegotiation = (byte)'O';
    public const byte Quit = (byte)'Q';
    public const byte Recipient = (byte)'R';
    public const byte Data = (byte)'T';
    public const byte Unknown = (byte)'U';

    /// <summary>For logs: SMFIC_HELO and so on.</summary>
    public static string Name(byte command) => command switch
    {
        Abort => "SMFIC_ABORT",
        Body => "SMFIC_BODY",
        Connect => "SMFIC_CONNECT",
        Macro => "SMFIC_MACRO",
        EndOfBody => "SMFIC_BODYEOB",
        Helo => "SMFIC_HELO",
        QuitNewConnection => "SMFIC_QUIT_NC",
        Header => "SMFIC_HEADER",
        Mail => "SMFIC_MAIL",
        EndOfHeader => "SMFIC_EOH",
        OptionNegotiation => "SMFIC_OPTNEG",
        Quit => "SMFIC_QUIT",
        Recipient => "SMFIC_RCPT",
        Data => "SMFIC_DATA",
        Unknown => "SMFIC_UNKNOWN",
        _ => $"0x{command:x2}",
    };
}
