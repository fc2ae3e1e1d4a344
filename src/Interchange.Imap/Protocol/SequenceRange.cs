namespace Interchange.Imap.Protocol;

/// <summary>
/// One element of a sequence set as written: a number or a range, in the order the client
/// wrote it (RFC 3501 §9 allows "5:2"). 0 stands for "*", the largest number in use, since
/// 0 is never a valid message number or UID.
/// </summary>
public readonly record struct SequenceRange(uint First, uint Last)
{
    public const uint Star = 0;

    public bool IsSingle => First == Last;

    /// <summary>The bounds with "*" replaced by <paramref name="max"/>, lowest first.</summary>
    public (uint Low, uint High) Resolve(uint max)
    {
        var a = First == Star ? max : First;
        var b = Last == Star ? max : Last;
        return a <= b ? (a, b) : (b, a);
    }

    public override string ToString()
    {
        var first = First == Star ? "*" : First.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (IsSingle)
        {
            return first;
        }

        var last = Last == Star ? "*" : Last.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return first + ":" + last;
    }
}
