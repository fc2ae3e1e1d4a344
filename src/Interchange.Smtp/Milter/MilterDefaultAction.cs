namespace Interchange.Smtp.Milter;

/// <summary>What a milter that cannot be reached or misbehaves stands for, for the rest of that
/// SMTP connection (Postfix's milter_default_action).</summary>
public enum MilterDefaultAction
{
    /// <summary>451 4.7.1 at each stage: the client retries later (Postfix's default).</summary>
    TempFail,

    /// <summary>The milter is skipped: mail goes on unfiltered.</summary>
    Accept,

    /// <summary>550 5.7.1 at each stage.</summary>
    Reject,
}
