namespace Interchange.Mime.Parsing;

/// <summary>A range of the original message bytes: <see cref="Start"/> is an absolute offset.</summary>
public readonly record struct ByteRange(long Start, long Length)
{
    public long End => Start + Length;

    public static ByteRange FromBounds(long start, long end) => new(start, end - start);

    public override string ToString() => $"[{Start}, {End})";
}
