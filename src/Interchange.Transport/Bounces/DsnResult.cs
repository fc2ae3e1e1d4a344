using Interchange.Storage.Queue;

namespace Interchange.Transport.Bounces;

/// <summary>
/// A built notification, ready to enqueue (<see cref="Envelope"/>: reverse-path "", the original
/// sender as the one recipient, SMTPUTF8 and BODY as its bytes need), or why there is none.
/// </summary>
public sealed record DsnResult
{
    private DsnResult(DsnSkipReason skipped, Envelope? envelope, byte[]? content, IReadOnlyList<DsnRecipient> reported, IReadOnlyList<string> warnings)
    {
        Skipped = skipped;
        Envelope = envelope;
        Content = content;
        Reported = reported;
        Warnings = warnings;
    }

    /// <summary><see cref="DsnSkipReason.None"/> when <see cref="Content"/> holds a notification.</summary>
    public DsnSkipReason Skipped { get; }

    public Envelope? Envelope { get; }

    /// <summary>The whole message, CRLF line ends; bounded by the return limit plus a few KiB of report.</summary>
    public byte[]? Content { get; }

    /// <summary>The recipients the report covers (NOTIFY applied).</summary>
    public IReadOnlyList<DsnRecipient> Reported { get; }

    /// <summary>Sender-supplied values left out because they were unsafe (for the log).</summary>
    public IReadOnlyList<string> Warnings { get; }

    public bool IsBuilt => Skipped == DsnSkipReason.None;

    internal static DsnResult Skip(DsnSkipReason reason) => new(reason, null, null, [], []);

    internal static DsnResult Built(Envelope envelope, byte[] content, IReadOnlyList<DsnRecipient> reported, IReadOnlyList<string> warnings) =>
        new(DsnSkipReason.None, envelope, content, reported, warnings);
}
