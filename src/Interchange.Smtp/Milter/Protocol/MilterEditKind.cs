namespace Interchange.Smtp.Milter.Protocol;

/// <summary>The changes a milter may ask for after SMFIC_BODYEOB (besides SMFIR_REPLBODY, which
/// comes in pieces and is kept apart).</summary>
internal enum MilterEditKind
{
    AddHeader,
    InsertHeader,
    ChangeHeader,
    ChangeSender,
    AddRecipient,
    DeleteRecipient,
    Quarantine,
}
