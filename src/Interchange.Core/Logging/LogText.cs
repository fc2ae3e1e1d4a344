using System.Globalization;
using System.Text;

namespace Interchange.Core.Logging;

/// <summary>
/// Text a client chose (a HELO name, an address, a command, a Message-ID), made safe for a log
/// line: control characters (C0, DEL, C1) become <c>\xHH</c> and a backslash <c>\\</c>, so
/// nothing a sender writes can move the cursor, colour the terminal, end the line or forge one,
/// and an escape in the log always means the sender sent that byte. Long text is cut. Pass it as
/// a log argument; the logger calls <see cref="ToString"/> only when the line is written.
/// </summary>
public readonly struct LogText(string? value)
{
    /// <summary>Characters kept from one value; the rest is summarised by its length.</summary>
    public const int MaxLength = 512;

    public override string ToString() => Escape(value);

    public static string Escape(string? text)
    {
        if (text is null)
        {
            return string.Empty;
        }

        var clean = true;
        foreach (var c in text)
        {
            if (char.IsControl(c) || c == '\\')
            {
                clean = false;
                break;
            }
        }

        if (clean && text.Length <= MaxLength)
        {
            return text;
        }

        var kept = Math.Min(text.Length, MaxLength);
        if (kept < text.Length && char.IsHighSurrogate(text[kept - 1]))
        {
            kept--; // never cut a character in two
        }

        var result = new StringBuilder(kept + 16);
        for (var i = 0; i < kept; i++)
        {
            var c = text[i];
            if (c == '\\')
            {
                result.Append(@"\\");
            }
            else if (char.IsControl(c))
            {
                result.Append(@"\x").Append(((int)c).ToString("X2", CultureInfo.InvariantCulture));
            }
            else
            {
                result.Append(c);
            }
        }

        if (text.Length > kept)
        {
            result.Append(CultureInfo.InvariantCulture, $"...({text.Length - kept} more)");
        }

        return result.ToString();
    }
}
