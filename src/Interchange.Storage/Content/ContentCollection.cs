namespace Interchange.Storage.Content;

/// <summary>What one collection pass did.</summary>
/// <param name="Examined">Releases past their grace that the pass looked at.</param>
/// <param name="Reclaimed">Contents taken (inline rows and files), with their structures.</param>
/// <param name="Kept">Releases dropped because something refers to the content again.</param>
public sealed record ContentCollection(int Examined, int Reclaimed, int Kept)
{
    public static ContentCollection None { get; } = new(0, 0, 0);

    public static ContentCollection operator +(ContentCollection a, ContentCollection b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        return new(a.Examined + b.Examined, a.Reclaimed + b.Reclaimed, a.Kept + b.Kept);
    }
}
