using System.Text;

namespace Interchange.Mime.Headers;

/// <summary>A parsed Content-Disposition (RFC 2183): the disposition lower-cased and its parameters (RFC 2231 decoded).</summary>
public sealed class ContentDisposition
{
    public ContentDisposition(string disposition, ParameterList? parameters = null)
    {
        Disposition = disposition.ToLowerInvariant();
        Parameters = parameters ?? ParameterList.Empty;
    }

    /// <summary>"inline", "attachment", or whatever the sender wrote, lower case.</summary>
    public string Disposition { get; }

    public ParameterList Parameters { get; }

    public string? FileName => Parameters["filename"];

    public bool IsAttachment => Disposition == "attachment";

    public static ContentDisposition? Parse(string value) => Parse(Encoding.UTF8.GetBytes(value));

    /// <summary>Parses the raw bytes after "Content-Disposition:"; null when there is no disposition token.</summary>
    public static ContentDisposition? Parse(ReadOnlySpan<byte> rawValue)
    {
        var s = Encoding.Latin1.GetString(rawValue);
        var i = 0;
        HeaderLexer.SkipCfws(s, ref i);
        var disposition = HeaderLexer.ReadToken(s, ref i);
        var parameters = ParameterParser.Parse(s, ref i);
        return disposition.Length == 0 ? null : new ContentDisposition(disposition, parameters);
    }

    public override string ToString() => Disposition;
}
