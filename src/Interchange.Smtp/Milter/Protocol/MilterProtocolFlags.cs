namespace Interchange.Smtp.Milter.Protocol;

/// <summary>Protocol steps a milter can do without (SMFIP_NO*), replies it will not send (SMFIP_NR_*),
/// and protocol features (SMFIP_SKIP, SMFIP_RCPT_REJ, SMFIP_HDR_LEADSPC). The MTA offers the ones it
/// honours; the milter answers with the ones it wants.</summary>
[Flags]
internal enum MilterProtocolFlags : uint
{
    None = 0,
    NoConnect = 0x1,
    NoHelo = 0x2,
    NoMail = 0x4,
    NoRecipient = 0x8,
    NoBody = 0x10,
    NoHeaders = 0x20,
    NoEndOfHeader = 0x40,
    NoHeaderReply = 0x80,
    NoUnknown = 0x100,
    NoData = 0x200,
    Skip = 0x400,
    RejectedRecipients = 0x800,
    NoConnectReply = 0x1000,
    NoHeloReply = 0x2000,
    NoMailReply = 0x4000,
    NoRecipientReply = 0x8000,
    NoDataReply = 0x10000,
    NoUnknownReply = 0x20000,
    NoEndOfHeaderReply = 0x40000,
    NoBodyReply = 0x80000,
    HeaderLeadingSpace = 0x100000,

    /// <summary>Everything of version 6 that Interchange offers. We never send SMFIC_UNKNOWN, so
    /// NOUNKNOWN is free to grant. RCPT_REJ is offered because libmilter refuses an MTA that does not
    /// offer a flag its milter asks for; the SMTP server consults filters only for recipients it
    /// would accept, so a milter that asks for rejected recipients sees none of them.</summary>
    Offered = NoConnect | NoHelo | NoMail | NoRecipient | NoBody | NoHeaders | NoEndOfHeader | NoHeaderReply | NoUnknown | NoData
        | Skip | RejectedRecipients | NoConnectReply | NoHeloReply | NoMailReply | NoRecipientReply | NoDataReply | NoUnknownReply
        | NoEndOfHeaderReply | NoBodyReply | HeaderLeadingSpace,
}
