using System.Globalization;
using Interchange.MailAuth.Dkim;

namespace Interchange.MailAuth.Dmarc;

/// <summary>A DMARC policy record (RFC 7489 6.3), with the defaults of 6.3 filled in.</summary>
/// <param name="Policy">p=.</param>
/// <param name="SubdomainPolicy">sp= (defaults to p=).</param>
/// <param name="Percent">pct= 0-100 (default 100).</param>
/// <param name="DkimAlignment">adkim= (default relaxed).</param>
/// <param name="SpfAlignment">aspf= (default relaxed).</param>
/// <param name="AggregateReportUris">rua=, as written (comma-separated URIs, split).</param>
/// <param name="FailureReportUris">ruf=.</param>
/// <param name="FailureReportOptions">fo= (default "0").</param>
/// <param name="ReportInterval">ri= in seconds (default 86400).</param>
/// <param name="PolicyFromRua">True when p= was missing or invalid and the record counts as p=none because rua= is valid (6.6.3).</param>
public sealed record DmarcRecord(
    DmarcPolicy Policy,
    DmarcPolicy SubdomainPolicy,
    int Percent,
    DmarcAlignment DkimAlignment,
    DmarcAlignment SpfAlignment,
    IReadOnlyList<string> AggregateReportUris,
    IReadOnlyList<string> FailureReportUris,
    string FailureReportOptions,
    long ReportInterval,
    bool PolicyFromRua = false)
{
    /// <summary>Whether <paramref name="text"/> is meant as a DMARC record: it starts with the tag <c>v=DMARC1</c>
    /// (6.6.3: other TXT records at <c>_dmarc</c> are discarded).</summary>
    public static bool IsDmarc(string text) =>
        TagList.TryParse(text, out var tags, out _) && tags.Order.Count > 0 && tags.Order[0] == "v" && tags["v"] == "DMARC1";

    /// <summary>Reads a record; null (with the reason) when it is not one that DMARC processing can use.</summary>
    public static DmarcRecord? Parse(string text, out string? problem)
    {
        problem = null;
        if (!TagList.TryParse(text, out var tags, out var error))
        {
            problem = $"malformed record: {error}";
            return null;
        }

        if (tags.Order.Count == 0 || tags.Order[0] != "v" || tags["v"] != "DMARC1")
        {
            problem = "not a DMARC1 record";
            return null;
        }

        var rua = Uris(tags["rua"]);
        var policy = ParsePolicy(tags["p"]);
        var subdomain = tags["sp"] is { } sp ? ParsePolicy(sp) : policy;
        var fromRua = false;
        if (policy is null || subdomain is null)
        {
            // 6.6.3: a record without a valid p= (or with an invalid sp=) counts as p=none if it has a valid rua=, else it is not used.
            if (!rua.Any(u => Uri.TryCreate(u.Split('!')[0], UriKind.Absolute, out _)))
            {
                problem = "no valid p= (and no valid rua=)";
                return null;
            }

            policy = DmarcPolicy.None;
            subdomain = DmarcPolicy.None;
            fromRua = true;
        }

        var percent = tags["pct"] is { } pct && int.TryParse(pct, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p <= 100 ? p : 100;
        var interval = tags["ri"] is { } ri && long.TryParse(ri, NumberStyles.None, CultureInfo.InvariantCulture, out var r) ? r : 86400;
        return new DmarcRecord(
            policy.Value,
            subdomain.Value,
            percent,
            Alignment(tags["adkim"]),
            Alignment(tags["aspf"]),
            rua,
            Uris(tags["ruf"]),
            tags["fo"] ?? "0",
            interval,
            fromRua);
    }

    private static DmarcPolicy? ParsePolicy(string? value) => value switch
    {
        "none" => DmarcPolicy.None,
        "quarantine" => DmarcPolicy.Quarantine,
        "reject" => DmarcPolicy.Reject,
        _ => null,
    };

    // Anything but "s" is the default, relaxed (6.3: unknown values are ignored).
    private static DmarcAlignment Alignment(string? value) => value == "s" ? DmarcAlignment.Strict : DmarcAlignment.Relaxed;

    private static List<string> Uris(string? value) =>
        value is null ? [] : value.Split(',').Select(u => u.Trim()).Where(u => u.Length > 0).ToList();
}
