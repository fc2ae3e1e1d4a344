namespace Interchange.Smtp.Milter.Protocol;

/// <summary>What a milter may do at the end of a message (SMFIF_*): the MTA offers these in
/// SMFIC_OPTNEG and the milter answers with the ones it will use, which must be among them.</summary>
[Flags]
internal enum MilterActions : uint
{
    None = 0,
    AddHeaders = 0x01,
    ChangeBody = 0x02,
    AddRecipients = 0x04,
    DeleteRecipients = 0x08,
    ChangeHeaders = 0x10,
    Quarantine = 0x20,
    ChangeSender = 0x40,
    AddRecipientsWithParameters = 0x80,
    SetSymbolList = 0x100,

    /// <summary>Everything Interchange applies (all of version 6).</summary>
    Supported = AddHeaders | ChangeBody | AddRecipients | DeleteRecipients | ChangeHeaders | Quarantine | ChangeSender | AddRecipientsWithParameters | SetSymbolList,
}
