namespace Interchange.Smtp.Delivery.Security;

/// <summary>The <c>_mta-sts</c> TXT record of a domain (RFC 8461 3.1): its policy <c>id</c>.</summary>
public sealed record MtaStsRecord(string Id)
{
    /// <summary>
    /// RFC 8461 3.1: of the TXT strings, those not starting with "v=STSv1" are discarded; unless exactly
    /// one is left and it parses ("v=STSv1; id=1*32(ALPHA/DIGIT)", extensions allowed), the domain has no
    /// available policy (null, with the reason).
    /// </summary>
    public static MtaStsRecord? Find(IEnumerable<string> txt, out string reason)
    {
        ArgumentNullException.ThrowIfNull(txt);
        var candidates = txt.Where(t => t.StartsWith("v=STSv1", StringComparison.Ordinal)).ToList();
        if (candidates.Count != 1)
        {
            reason = candidates.Count == 0 ? "no v=STSv1 record" : $"{candidates.Count} v=STSv1 records (RFC 8461 3.1: none is used)";
            return null;
        }

        return TryParse(candidates[0], out var record, out reason) ? record : null;
    }

    /// <summary>sts-text-record = sts-version 1*(*WSP ";" *WSP sts-field) [";"]; sts-field = sts-id / sts-extension.</summary>
    public static bool TryParse(string text, out MtaStsRecord? record, out string reason)
    {
        ArgumentNullException.ThrowIfNull(text);
        record = null;
        var fields = text.Split(';').Select(f => f.Trim(' ', '\t')).ToList();
        if (fields[0] != "v=STSv1")
        {
            reason = "does not start with v=STSv1;";
            return false;
        }

        if (fields.Count > 1 && fields[^1].Length == 0)
        {
            fields.RemoveAt(fields.Count - 1); // the optional trailing ";"
        }

        string? id = null;
        foreach (var field in fields.Skip(1))
        {
            var eq = field.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                reason = $"field \"{field}\" is not name=value";
                return false;
            }

            var name = field[..eq];
            var value = field[(eq + 1)..];
            if (name == "id")
            {
                if (id is not null || value.Length is 0 or > 32 || !value.All(char.IsAsciiLetterOrDigit))
                {
                    reason = id is not null ? "id given twice" : $"id \"{value}\" is not 1 to 32 letters and digits";
                    return false;
                }

                id = value;
            }
        }

        if (id is null)
        {
            reason = "no id";
            return false;
        }

        record = new MtaStsRecord(id);
        reason = string.Empty;
        return true;
    }
}
