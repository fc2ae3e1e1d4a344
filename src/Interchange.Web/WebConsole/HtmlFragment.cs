using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Unicode;

namespace Interchange.Web.WebConsole;

/// <summary>
/// Markup that is safe to send: made only by <see cref="Of"/>, whose interpolation holes are
/// HTML-encoded unless they are fragments themselves, so a value from the store or the request
/// can never become markup by forgetting to encode it.
/// </summary>
public sealed class HtmlFragment
{
    private static readonly HtmlEncoder s_encoder = HtmlEncoder.Create(UnicodeRanges.All);

    private HtmlFragment(string markup) => Markup = markup;

    public string Markup { get; }

    public static HtmlFragment Empty { get; } = new(string.Empty);

    /// <summary>Builds markup: literal parts as written, every hole encoded (a fragment is inserted as it is).</summary>
    public static HtmlFragment Of(ref Builder builder) => new(builder.Build());

    /// <summary>Encoded text.</summary>
    public static HtmlFragment Text(string? text) => new(Encode(text));

    public static HtmlFragment Join(IEnumerable<HtmlFragment> parts) => new(string.Concat(parts.Select(p => p.Markup)));

    /// <summary>Markup that this assembly wrote itself (a constant or built from encoded parts); never a value from outside.</summary>
    internal static HtmlFragment Trusted(string markup) => new(markup);

    public static string Encode(string? text) => s_encoder.Encode(text ?? string.Empty);

    public override string ToString() => Markup;

    /// <summary>The interpolation handler behind <see cref="Of"/>.</summary>
    [InterpolatedStringHandler]
    public ref struct Builder
    {
        private readonly StringBuilder _text;

        public Builder(int literalLength, int formattedCount) => _text = new StringBuilder(literalLength + (formattedCount * 16));

        public readonly void AppendLiteral(string literal) => _text.Append(literal);

        public readonly void AppendFormatted(HtmlFragment? fragment) => _text.Append(fragment?.Markup);

        public readonly void AppendFormatted(IEnumerable<HtmlFragment> fragments)
        {
            foreach (var fragment in fragments)
            {
                _text.Append(fragment.Markup);
            }
        }

        public readonly void AppendFormatted(string? value) => _text.Append(Encode(value));

        public readonly void AppendFormatted<T>(T value)
        {
            // A list of fragments binds here (the generic beats a conversion): insert, don't encode its type name.
            if (value is IEnumerable<HtmlFragment> fragments)
            {
                AppendFormatted(fragments);
                return;
            }

            _text.Append(Encode(value is IFormattable formattable ? formattable.ToString(null, CultureInfo.InvariantCulture) : value?.ToString()));
        }

        public readonly void AppendFormatted<T>(T value, string format) where T : IFormattable =>
            _text.Append(Encode(value.ToString(format, CultureInfo.InvariantCulture)));

        internal readonly string Build() => _text.ToString();
    }
}
