namespace Interchange.Smtp.Milter.Protocol;

/// <summary>The reply bytes a milter sends (SMFIR_*): decisions, modification requests (only after
/// SMFIC_BODYEOB) and the negotiation reply.</summary>
internal static class MilterResponse
{
    public const byte AddRecipient = (byte)'+';
    public const byte DeleteRecipient = (byte)'-';
    public const byte AddRecipientWithParameters = (byte)'2';
    public const byte Shutdown = (byte)'4';
    public const byte Accept = (byte)'a';
    public const byte ReplaceBody = (byte)'b';
    public const byte Continue = (byte)'c';
    public const byte Discard = (byte)'d';
    public const byte ChangeSender = (byte)'e';
    public const byte ConnectionFail = (byte)'f';
    public const byte AddHeader = (byte)'h';
    public const byte InsertHeader = (byte)'i';
    public const byte SetSymbolList = (byte)'l';
    public const byte ChangeHeader = (byte)'m';
    public const byte Progress = (byte)'p';
    public const byte Quarantine = (byte)'q';
    public const byte Reject = (byte)'r';
    public const byte Skip = (byte)'s';
    public const byte TempFail = (byte)'t';
    public const byte ReplyCode = (byte)'y';
    public const byte OptionNegotiation = (byte)'O';

    public static string Name(byte response) => response switch
    {
        AddRecipient => "SMFIR_ADDRCPT",
        DeleteRecipient => "SMFIR_DELRCPT",
        AddRecipientWithParameters => "SMFIR_ADDRCPT_PAR",
        Shutdown => "SMFIR_SHUTDOWN",
        Accept => "SMFIR_ACCEPT",
        ReplaceBody => "SMFIR_REPLBODY",
        Continue => "SMFIR_CONTINUE",
        Discard => "SMFIR_DISCARD",
        ChangeSender => "SMFIR_CHGFROM",
        ConnectionFail => "SMFIR_CONN_FAIL",
        AddHeader => "SMFIR_ADDHEADER",
        InsertHeader => "SMFIR_INSHEADER",
        SetSymbolList => "SMFIR_SETSYMLIST",
        ChangeHeader => "SMFIR_CHGHEADER",
        Progress => "SMFIR_PROGRESS",
        Quarantine => "SMFIR_QUARANTINE",
        Reject => "SMFIR_REJECT",
        Skip => "SMFIR_SKIP",
        TempFail => "SMFIR_TEMPFAIL",
        ReplyCode => "SMFIR_REPLYCODE",
        OptionNegotiation => "SMFIC_OPTNEG",
        _ => $"0x{response:x2}",
    };
}
