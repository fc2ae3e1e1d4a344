namespace Interchange.Smtp.Client;

/// <summary>
/// What a server offered in its EHLO reply (RFC 5321 4.1.1.1: first line the domain, then one
/// keyword with parameters per line). A HELO session offers nothing.
/// </summary>
public sealed record SmtpServerCapabilities
{
    public static readonly SmtpServerCapabilities None = new();

    public bool Esmtp { get; init; }

    public bool Pipelining { get; init; }

    public bool EightBitMime { get; init; }

    public bool BinaryMime { get; init; }

    public bool SmtpUtf8 { get; init; }

    public bool Chunking { get; init; }

    public bool Dsn { get; init; }

    public bool StartTls { get; init; }

    public bool EnhancedStatusCodes { get; init; }

    /// <summary>SIZE was offered; <see cref="MaxSize"/> 0 means no fixed limit (RFC 1870 4).</summary>
    public bool Size { get; init; }

    public long MaxSize { get; init; }

    public IReadOnlySet<string> AuthMechanisms { get; init; } = new HashSet<string>();

    public static SmtpServerCapabilities Parse(IReadOnlyList<string> ehloLines)
    {
        ArgumentNullException.ThrowIfNull(ehloLines);
        var caps = new SmtpServerCapabilities { Esmtp = true };
        var auth = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in ehloLines.Skip(1))
        {
            var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (words.Length == 0)
            {
                continue;
            }

            var keyword = words[0].ToUpperInvariant();

            // Old servers write "AUTH=PLAIN LOGIN" (before RFC 2554 was final).
            if (keyword.StartsWith("AUTH=", StringComparison.Ordinal))
            {
                auth.Add(keyword[5..]);
                keyword = "AUTH";
            }

            caps = keyword switch
            {
                "PIPELINING" => caps with { Pipelining = true },
                "8BITMIME" => caps with { EightBitMime = true },
                "BINARYMIME" => caps with { BinaryMime = true },
                "SMTPUTF8" => caps with { SmtpUtf8 = true },
                "CHUNKING" => caps with { Chunking = true },
                "DSN" => caps with { Dsn = true },
                "STARTTLS" => caps with { StartTls = true },
                "ENHANCEDSTATUSCODES" => caps with { EnhancedStatusCodes = true },
                "SIZE" => caps with { Size = true, MaxSize = words.Length > 1 && long.TryParse(words[1], out var n) && n > 0 ? n : 0 },
                _ => caps,
            };
            if (keyword == "AUTH")
            {
                foreach (var mechanism in words.Skip(1))
                {
                    auth.Add(mechanism);
                }
            }
        }

        return caps with { AuthMechanisms = auth };
    }

    public override string ToString()
    {
        var names = new List<string>();
        if (Pipelining) names.Add("PIPELINING");
        if (Size) names.Add(MaxSize > 0 ? $"SIZE {MaxSize}" : "SIZE");
        if (EightBitMime) names.Add("8BITMIME");
        if (BinaryMime) names.Add("BINARYMIME");
        if (SmtpUtf8) names.Add("SMTPUTF8");
        if (Chunking) names.Add("CHUNKING");
        if (Dsn) names.Add("DSN");
        if (StartTls) names.Add("STARTTLS");
        if (EnhancedStatusCodes) names.Add("ENHANCEDSTATUSCODES");
        if (AuthMechanisms.Count > 0) names.Add("AUTH " + string.Join(' ', AuthMechanisms));
        return Esmtp ? string.Join(' ', names) : "(HELO)";
    }
}
