using System.Globalization;
using System.IO.Compression;
using System.Xml;
using System.Xml.Linq;

namespace Interchange.MailAuth.Reports;

/// <summary>
/// Reads DMARC aggregate reports (RFC 7489 7.2.1.1: XML, usually gzip- or zip-compressed in an attachment)
/// into <see cref="DmarcAggregateReport"/>. Reports come from anyone, so: no DTDs or external entities,
/// the uncompressed size is bounded (a zip bomb stops at the bound), and bad input is a reason, never an
/// exception. Keeping reports and sending our own are later steps.
/// </summary>
public static class DmarcAggregateReportParser
{
    /// <summary>The default bound on the uncompressed XML (a big provider's daily report is a few MB).</summary>
    public const long DefaultMaxBytes = 50L * 1024 * 1024;

    /// <summary>Reads <paramref name="content"/> (the attachment's bytes: XML, gzip or zip, told apart by their magic
    /// numbers); false with <paramref name="problem"/> when it is not a readable report.</summary>
    public static bool TryParse(Stream content, out DmarcAggregateReport? report, out string? problem, long maxBytes = DefaultMaxBytes)
    {
        ArgumentNullException.ThrowIfNull(content);
        report = null;
        problem = null;
        try
        {
            using var xml = Uncompressed(content, maxBytes);
            var settings = new XmlReaderSettings
            {
                DtdProcessing = DtdProcessing.Prohibit,
                XmlResolver = null,
                MaxCharactersInDocument = maxBytes,
                IgnoreComments = true,
            };
            using var reader = XmlReader.Create(xml, settings);
            report = Read(XDocument.Load(reader).Root);
            return true;
        }
        catch (Exception e) when (e is XmlException or InvalidDataException or FormatException or IOException or OverflowException or NotSupportedException)
        {
            problem = e.Message;
            return false;
        }
    }

    private static Stream Uncompressed(Stream content, long maxBytes)
    {
        var head = new byte[4];
        var read = content.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        var whole = new ConcatenatedStream(head.AsMemory(0, read), content);
        if (read >= 2 && head[0] == 0x1f && head[1] == 0x8b)
        {
            return new BoundedStream(new GZipStream(whole, CompressionMode.Decompress), maxBytes);
        }

        if (read == 4 && head[0] == (byte)'P' && head[1] == (byte)'K' && head[2] == 3 && head[3] == 4)
        {
            var buffer = new MemoryStream();
            new BoundedStream(whole, maxBytes).CopyTo(buffer); // the compressed file is bounded too
            buffer.Position = 0;
            var zip = new ZipArchive(buffer, ZipArchiveMode.Read);
            var entry = zip.Entries.FirstOrDefault(e => e.FullName.EndsWith(".xml", StringComparison.OrdinalIgnoreCase))
                ?? throw new InvalidDataException("the zip file has no .xml entry");
            return new BoundedStream(entry.Open(), maxBytes);
        }

        return new BoundedStream(whole, maxBytes);
    }

    private static DmarcAggregateReport Read(XElement? root)
    {
        if (root is null || root.Name.LocalName != "feedback")
        {
            throw new FormatException("not a DMARC aggregate report (no <feedback> root)");
        }

        var metadata = Child(root, "report_metadata");
        var range = Child(metadata, "date_range");
        var published = Child(root, "policy_published");
        var policy = new DmarcPublishedPolicy(
            Text(published, "domain"),
            Optional(published, "adkim"),
            Optional(published, "aspf"),
            Text(published, "p"),
            Optional(published, "sp"),
            Optional(published, "pct") is { } pct ? int.Parse(pct, NumberStyles.None, CultureInfo.InvariantCulture) : null);

        var records = Children(root, "record").Select(record =>
        {
            var row = Child(record, "row");
            var evaluated = Child(row, "policy_evaluated");
            var identifiers = Child(record, "identifiers");
            var results = Child(record, "auth_results");
            return new DmarcReportRecord(
                Text(row, "source_ip"),
                long.Parse(Text(row, "count"), NumberStyles.None, CultureInfo.InvariantCulture),
                Text(evaluated, "disposition"),
                Optional(evaluated, "dkim"),
                Optional(evaluated, "spf"),
                Text(identifiers, "header_from"),
                Optional(identifiers, "envelope_from"),
                Children(results, "dkim").Select(d => (Text(d, "domain"), Optional(d, "selector"), Text(d, "result"))).ToList(),
                Children(results, "spf").Select(s => (Text(s, "domain"), Optional(s, "scope"), Text(s, "result"))).ToList());
        }).ToList();

        return new DmarcAggregateReport(
            Text(metadata, "org_name"),
            Text(metadata, "email"),
            Text(metadata, "report_id"),
            Seconds(Text(range, "begin")),
            Seconds(Text(range, "end")),
            policy,
            records);
    }

    // Namespaces differ between reporters (none, or the draft's urn:ietf:params:xml:ns:dmarc-2.0): match local names.
    private static IEnumerable<XElement> Children(XElement parent, string name) => parent.Elements().Where(e => e.Name.LocalName == name);

    private static XElement Child(XElement parent, string name) =>
        Children(parent, name).FirstOrDefault() ?? throw new FormatException($"<{parent.Name.LocalName}> has no <{name}>");

    private static string Text(XElement parent, string name) => Child(parent, name).Value.Trim();

    private static string? Optional(XElement parent, string name) => Children(parent, name).FirstOrDefault()?.Value.Trim() is { Length: > 0 } v ? v : null;

    private static DateTimeOffset Seconds(string text) =>
        DateTimeOffset.FromUnixTimeSeconds(long.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture));
}
