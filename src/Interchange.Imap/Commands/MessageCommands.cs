using System.Globalization;
using Interchange.Imap.Protocol;
using Interchange.Storage.Blobs;
using Interchange.Storage.Mail;

namespace Interchange.Imap.Session;

/// <summary>STORE (CONDSTORE UNCHANGEDSINCE), COPY and MOVE (UIDPLUS COPYUID, RFC 6851), APPEND (APPENDUID).</summary>
internal sealed partial class ImapSession
{
    private async ValueTask StoreAsync(ImapCommand command)
    {
        var args = command.Arguments.ToList();
        if (args.Count < 3 || !args[0].TryGetSequenceSet(out var set))
        {
            Bad(command, "Usage: STORE set [(UNCHANGEDSINCE n)] FLAGS|+FLAGS|-FLAGS[.SILENT] (flags)");
            return;
        }

        long? unchangedSince = null;
        var at = 1;
        if (args[1].Kind == ImapValueKind.List)
        {
            var modifier = args[1].Items;
            if (modifier.Count != 2 || !modifier[0].IsAtom("UNCHANGEDSINCE") || modifier[1].Kind != ImapValueKind.Number)
            {
                Bad(command, "Unknown STORE modifier");
                return;
            }

            unchangedSince = (long)modifier[1].Number;
            CondStore = true;
            at = 2;
        }

        var operation = args[at].Text.ToUpperInvariant();
        var silent = operation.EndsWith(".SILENT", StringComparison.Ordinal);
        FlagChange? change = operation.Replace(".SILENT", string.Empty, StringComparison.Ordinal) switch
        {
            "FLAGS" => FlagChange.Replace,
            "+FLAGS" => FlagChange.Add,
            "-FLAGS" => FlagChange.Remove,
            _ => null,
        };
        var flagValues = args.Skip(at + 1).SelectMany(v => v.Kind == ImapValueKind.List ? v.Items : [v]).ToList();
        if (change is null || flagValues.Any(f => !f.TryGetFlag(out _)) || flagValues.Any(f => f.Text.StartsWith('\\') && !s_systemFlags.Contains(f.Text, StringComparer.OrdinalIgnoreCase)))
        {
            Bad(command, "Bad STORE operation or flag");
            return;
        }

        if (Selected!.ReadOnly)
        {
            No(command, "The mailbox is read-only", ImapResponseCode.ReadOnly);
            return;
        }

        if (change != FlagChange.Remove && KeywordLimitProblem(flagValues.Select(f => f.Text), Selected.Keywords) is { } problem)
        {
            No(command, problem, ImapResponseCode.Limit);
            return;
        }

        var uids = Selected.Resolve(set, command.IsUid);
        var result = await _services.Mail.StoreFlagsAsync(Selected.Id, uids, change.Value, flagValues.Select(f => f.Text).ToList(), unchangedSince, ConnectionClosed).ConfigureAwait(false);
        var updated = result.Updated.Select(u => Selected.Message(u.Uid) with { Flags = u.Flags, ModSeq = u.ModSeq }).ToList();
        if (Selected.TakeKeywords(updated))
        {
            WriteFlagsResponse(); // a new keyword is announced before a FETCH shows it (RFC 3501 7.2.6)
        }

        foreach (var (update, message) in result.Updated.Zip(updated))
        {
            Selected.Update(message);
            if (!silent)
            {
                WriteFlags(message, includeUid: command.IsUid);
            }
            else if (CondStore && update.Changed)
            {
                // RFC 7162 3.1.3: .SILENT still reports the new MODSEQ, without FLAGS.
                WriteFlags(message, includeUid: command.IsUid, includeFlags: false);
            }
        }

        if (result.Modified.Count > 0)
        {
            var modified = SequenceSet.FromRanges(result.Modified.Select(uid => command.IsUid ? (uint)uid : (uint)Selected.SequenceOf(uid)).Select(n => new SequenceRange(n, n)));
            Ok(command, "Conditional STORE failed for some messages", ImapResponseCode.Modified(modified));
            return;
        }

        Ok(command, Completed(command));
    }

    /// <summary>Why adding <paramref name="flags"/> to a mailbox that has <paramref name="known"/> keywords would pass a keyword limit, or null.</summary>
    private string? KeywordLimitProblem(IEnumerable<string> flags, IReadOnlyCollection<string> known)
    {
        var keywords = flags.Where(f => !f.StartsWith('\\')).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        if (keywords.FirstOrDefault(k => k.Length > _services.Options.MaxKeywordLength) is { } tooLong)
        {
            return $"Keyword longer than {_services.Options.MaxKeywordLength} characters: {tooLong[..Math.Min(tooLong.Length, 20)]}...";
        }

        var added = keywords.Count(k => !known.Contains(k, StringComparer.OrdinalIgnoreCase));
        return known.Count + added > _services.Options.MaxKeywords
            ? $"Too many keywords in this mailbox (at most {_services.Options.MaxKeywords})"
            : null;
    }

    private async ValueTask CopyAsync(ImapCommand command, bool move)
    {
        if (command.Arguments.Count != 2 || !command.Arguments[0].TryGetSequenceSet(out var set) || !command.Arguments[1].TryGetAstring(out var wire))
        {
            Bad(command, $"Usage: {command.Name} set mailbox");
            return;
        }

        if (move && Selected!.ReadOnly)
        {
            No(command, "The mailbox is read-only", ImapResponseCode.ReadOnly);
            return;
        }

        var uids = Selected!.Resolve(set, command.IsUid);
        CopyResult copied;
        try
        {
            copied = await _services.Mail.CopyAsync(Selected.Id, uids, UserKey, Decode(wire), move, ConnectionClosed).ConfigureAwait(false);
        }
        catch (MailStoreException ex) when (ex.Error == MailStoreError.NotFound)
        {
            No(command, "No such mailbox", ImapResponseCode.TryCreate);
            return;
        }

        var code = copied.SourceUids.Count == 0 ? null : ImapResponseCode.CopyUid((uint)copied.UidValidity, UidSet(copied.SourceUids), UidSet(copied.DestinationUids));
        if (move)
        {
            if (code is not null)
            {
                _out.UntaggedStatus(ImapStatus.Ok, "Moved", code);
            }

            await ReportChangesAsync(allowExpunge: true).ConfigureAwait(false);
            Ok(command, Completed(command));
            return;
        }

        Ok(command, "COPY completed", code);
    }

    // append = "APPEND" SP mailbox [SP flag-list] [SP date-time] SP (literal / "UTF8" SP "(" literal8 ")")
    // (RFC 3501 §6.3.11; the UTF8 form is RFC 6855 §4, which Thunderbird uses once UTF8=ACCEPT is enabled).
    private async ValueTask AppendAsync(ImapCommand command)
    {
        var streamed = _streamedLiteral;
        _streamedLiteral = null;
        var args = command.Arguments;
        var last = args.Count > 0 ? args[^1] : null;
        var utf8 = args.Count >= 3 && last!.Kind == ImapValueKind.List && args[^2].IsAtom("UTF8");
        var literal = utf8 && last!.Items.Count == 1 && last.Items[0] is { Kind: ImapValueKind.Literal, IsLiteral8: true } inner ? inner
            : !utf8 && last?.Kind == ImapValueKind.Literal ? last : null;
        var optional = args.Skip(1).Take(args.Count - (utf8 ? 3 : 2)).ToList();
        if (args.Count < 2 || !args[0].TryGetAstring(out var wire) || literal is null
            || optional.Count > 2 || optional.Any(a => a.Kind is not (ImapValueKind.List or ImapValueKind.QuotedString)))
        {
            Bad(command, "Usage: APPEND mailbox [(flags)] [date-time] literal, or UTF8 (literal8)");
            return;
        }

        var flags = optional.FirstOrDefault(a => a.Kind == ImapValueKind.List)?.Items.Select(i => i.Text).ToList() ?? [];
        if (KeywordLimitProblem(flags, Selected?.Name == Decode(wire) ? Selected.Keywords : []) is { } problem)
        {
            No(command, problem, ImapResponseCode.Limit);
            return;
        }

        var date = DateTimeOffset.UtcNow;
        var dateArgument = optional.FirstOrDefault(a => a.Kind == ImapValueKind.QuotedString);
        if (dateArgument is not null && !DateTimeOffset.TryParseExact(dateArgument.Text.Trim(), ["d-MMM-yyyy HH:mm:ss zzz", "dd-MMM-yyyy HH:mm:ss zzz"], CultureInfo.InvariantCulture, DateTimeStyles.None, out date))
        {
            // The zone comes as +hhmm; .NET wants +hh:mm.
            var text = dateArgument.Text.Trim();
            if (text.Length < 5 || !DateTimeOffset.TryParseExact(text[..^2] + ":" + text[^2..], ["d-MMM-yyyy HH:mm:ss zzz"], CultureInfo.InvariantCulture, DateTimeStyles.None, out date))
            {
                Bad(command, "Bad date-time");
                return;
            }
        }

        BlobRef blob;
        if (streamed is { } taken && ReferenceEquals(taken.Value, literal))
        {
            // The usual case: the message went to storage as it arrived (ReceiveLiteralAsync).
            blob = taken.Blob;
        }
        else
        {
            var content = literal.Bytes;
            if (content.Length > _services.Options.MaxAppendSize)
            {
                No(command, "Message too big", ImapResponseCode.TooBig);
                return;
            }

            await using var writer = _services.Blobs.BeginWrite();
            await writer.WriteAsync(content, ConnectionClosed).ConfigureAwait(false);
            blob = await writer.CommitAsync(ConnectionClosed).ConfigureAwait(false);
        }

        var name = Decode(wire);
        AppendResult appended;
        try
        {
            // The append itself refuses a missing mailbox; reading the mailbox first would cost a
            // full snapshot per APPEND. The blob written for nothing is unreferenced and collectable.
            appended = await _services.Mail.AppendAsync(UserKey, name, blob, flags, date, ConnectionClosed).ConfigureAwait(false);
        }
        catch (MailStoreException ex) when (ex.Error == MailStoreError.NotFound)
        {
            No(command, "No such mailbox", ImapResponseCode.TryCreate);
            return;
        }

        if (Selected?.Name == name)
        {
            await ReportChangesAsync(allowExpunge: false).ConfigureAwait(false);
        }

        Ok(command, "APPEND completed", ImapResponseCode.AppendUid((uint)appended.UidValidity, (uint)appended.Uid));
    }

    private static SequenceSet UidSet(IEnumerable<long> uids) =>
        SequenceSet.FromRanges(uids.Select(u => new SequenceRange((uint)u, (uint)u)));
}
