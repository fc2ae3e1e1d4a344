namespace Interchange.Imap.Protocol;

/// <summary>One complete command: tag, name (upper case), the UID prefix, and the arguments.</summary>
public sealed class ImapCommand
{
    internal ImapCommand(string tag, string name, bool isUid, IReadOnlyList<ImapValue> arguments)
    {
        Tag = tag;
        Name = name;
        IsUid = isUid;
        Arguments = arguments;
    }

    public string Tag { get; }

    /// <summary>The command name in upper case ("FETCH" for "uid fetch").</summary>
    public string Name { get; }

    /// <summary>True for "UID FETCH", "UID STORE", "UID SEARCH", "UID COPY", "UID MOVE", "UID EXPUNGE"...: the numbers are UIDs.</summary>
    public bool IsUid { get; }

    public IReadOnlyList<ImapValue> Arguments { get; }

    public override string ToString() => $"{Tag} {(IsUid ? "UID " : string.Empty)}{Name}{(Arguments.Count > 0 ? " " + string.Join(' ', Arguments) : string.Empty)}";
}
