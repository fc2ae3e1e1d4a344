using System.Globalization;
using Interchange.Imap.Protocol;
using Interchange.Imap.Session;
using Interchange.Storage.Blobs;
using Interchange.Storage.Mail;

namespace Interchange.Imap.Commands;

/// <summary>STORE (CONDSTORE UNCHANGEDSINCE), COPY and MOVE (UIDPLUS COPYUID, RFC 6851), APPEND (APPENDUID).</summary>
internal static class MessageCommands
{
    internal static async ValueTask StoreAsync(ImapSession session, ImapCommand command)
    {
        var args = command.Arguments.ToList();
        if (args.Count < 3 || !args[0].TryGetSequenceSet(out var set))
        {
            session.Bad(command, "Usage: STORE set [(UNCHANGEDSINCE n)] FLAGS|+FLAGS|-FLAGS[.SILENT] (flags)");
            return;
        }

        long? unchangedSince = null;
        var at = 1;
        if (args[1].Kind == ImapValueKind.List)
        {
            var modifier = args[1].Items;
            if (modifier.Count != 2 || !modifier[0].IsAtom("UNCHANGEDSINCE") || modifier[1].Kind != ImapValueKind.Number)
            {
                session.Bad(command, "Unknown STORE modifier");
                return;
            }

            unchangedSince = (long)modifier[1].Number;
            session.CondStore = true;
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
        if (change is null || flagValues.Any(f => !f.TryGetFlag(out _)) || flagValues.Any(f => f.Text.StartsWith('\\') && !SelectionCommands.SystemFlags.Contains(f.Text, StringComparer.OrdinalIgnoreCase)))
        {
            session.Bad(command, "Bad STORE operation or flag");
            return;
        }

        if (session.Selected!.ReadOnly)
        {
            session.No(command, "The mailbox is read-only", ImapResponseCode.ReadOnly);
            return;
        }

        if (change != FlagChange.Remove && KeywordLimitProblem(session, flagValues.Select(f => f.Text), session.Selected.Keywords) is { } problem)
        {
            session.No(command, problem, ImapResponseCode.Limit);
            return;
        }

        var uids = session.Selected.Resolve(set, command.IsUid);
        var result = await session.Services.Mail.StoreFlagsAsync(session.Selected.Id, uids, change.Value, flagValues.Select(f => f.Text).ToList(), unchangedSince, session.ConnectionClosed).ConfigureAwait(false);
        var updated = result.Updated.Select(u => session.Selected.Message(u.Uid) with { Flags = u.Flags, ModSeq = u.ModSeq }).ToList();
        if (session.Selected.TakeKeywords(updated))
        {
            SelectionCommands.WriteFlagsResponse(session); // a new keyword is announced before a FETCH shows it (RFC 3501 7.2.6)
        }

        foreach (var (update, message) in result.Updated.Zip(updated))
        {
            session.Selected.Update(message);
            if (!silent)
            {
                SelectionCommands.WriteFlags(session, message, includeUid: command.IsUid);
            }
            else if (session.CondStore && update.Changed)
            {
                // RFC 7162 3.1.3: .SILENT still reports the new MODSEQ, without FLAGS.
                SelectionCommands.WriteFlags(session, message, includeUid: command.IsUid, includeFlags: false);
            }
        }

        if (result.Modified.Count > 0)
        {
            var modified = SequenceSet.FromRanges(result.Modified.Select(uid => command.IsUid ? (uint)uid : (uint)session.Selected.SequenceOf(uid)).Select(n => new SequenceRange(n, n)));
            session.Ok(command, "Conditional STORE failed for some messages", ImapResponseCode.Modified(modified));
            return;
        }

        session.Ok(command, ImapSession.Completed(command));
    }

    /// <summary>Why adding <paramref name="flags"/> to a mailbox that has <paramref name="known"/> keywords would pass a keyword limit, or null.</summary>
    internal static string? KeywordLimitProblem(ImapSession session, IEnumerable<string> flags, IReadOnlyCollection<string> known)
    {
        var keywords = flags.Where(f => !f.StartsWith('\\')).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        if (keywords.FirstOrDefault(k => k.Length > session.Services.Options.MaxKeywordLength) is { } tooLong)
        {
            return $"Keyword longer than {session.Services.Options.MaxKeywordLength} characters: {tooLong[..Math.Min(tooLong.Length, 20)]}...";
        }

        var added = keywords.Count(k => !known.Contains(k, StringComparer.OrdinalIgnoreCase));
        return known.Count + added > session.Services.Options.MaxKeywords
            ? $"Too many keywords in session mailbox (at most {session.Services.Options.MaxKeywords})"
            : null;
    }

    internal static async ValueTask CopyAsync(ImapSession session, ImapCommand command, bool move)
    {
        if (command.Arguments.Count != 2 || !command.Arguments[0].TryGetSequenceSet(out var set) || !command.Arguments[1].TryGetAstring(out var wire))
        {
            session.Bad(command, $"Usage: {command.Name} set mailbox");
            return;
        }

        if (move && session.Selected!.ReadOnly)
        {
            session.No(command, "The mailbox is read-only", ImapResponseCode.ReadOnly);
            return;
        }

        var uids = session.Selected!.Resolve(set, command.IsUid);
        CopyResult copied;
        try
        {
            copied = await session.Services.Mail.CopyAsync(session.Selected.Id, uids, session.UserKey, MailboxCommands.Decode(session, wire), move, session.ConnectionClosed).ConfigureAwait(false);
        }
        catch (MailStoreException ex) when (ex.Error == MailStoreError.NotFound)
        {
            session.No(command, "No such mailbox", ImapResponseCode.TryCreate);
            return;
        }

        var code = copied.SourceUids.Count == 0 ? null : ImapResponseCode.CopyUid((uint)copied.UidValidity, UidSet(copied.SourceUids), UidSet(copied.DestinationUids));
        if (move)
        {
            if (code is not null)
            {
                session.Out.UntaggedStatus(ImapStatus.Ok, "Moved", code);
            }

            await SelectionCommands.ReportChangesAsync(session, allowExpunge: true).ConfigureAwait(false);
            session.Ok(command, ImapSession.Completed(command));
            return;
        }

        session.Ok(command, "COPY completed", code);
    }

    // append = "APPEND" SP mailbox [SP flag-list] [SP date-time] SP (literal / "UTF8" SP "(" literal8 ")")
    // (RFC 3501 §6.3.11; the UTF8 form is RFC 6855 §4, which Thunderbird uses once UTF8=ACCEPT is enabled).
    internal static async ValueTask AppendAsync(ImapSession session, ImapCommand command)
    {
        var streamed = session.StreamedLiteral;
        session.StreamedLiteral = null;
        var args = command.Arguments;
        var last = args.Count > 0 ? args[^1] : null;
        var utf8 = args.Count >= 3 && last!.Kind == ImapValueKind.List && args[^2].IsAtom("UTF8");
        var literal = utf8 && last!.Items.Count == 1 && last.Items[0] is { Kind: ImapValueKind.Literal, IsLiteral8: true } inner ? inner
            : !utf8 && last?.Kind == ImapValueKind.Literal ? last : null;
        var optional = args.Skip(1).Take(args.Count - (utf8 ? 3 : 2)).ToList();
        if (args.Count < 2 || !args[0].TryGetAstring(out var wire) || literal is null
            || optional.Count > 2 || optional.Any(a => a.Kind is not (ImapValueKind.List or ImapValueKind.QuotedString)))
        {
            session.Bad(command, "Usage: APPEND mailbox [(flags)] [date-time] literal, or UTF8 (literal8)");
            return;
        }

        var flags = optional.FirstOrDefault(a => a.Kind == ImapValueKind.List)?.Items.Select(i => i.Text).ToList() ?? [];
        if (KeywordLimitProblem(session, flags, session.Selected?.Name == MailboxCommands.Decode(session, wire) ? session.Selected.Keywords : []) is { } problem)
        {
            session.No(command, problem, ImapResponseCode.Limit);
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
                session.Bad(command, "Bad date-time");
                return;
            }
        }

        Storage.Content.StagedContent staged;
        StoredStructure? structure = null;
        if (streamed is { } taken && ReferenceEquals(taken.Value, literal))
        {
            // The usual case: the message was staged as it arrived (ReceiveLiteralAsync), and
            // parsed on the way.
            (staged, structure) = (taken.Content, taken.Structure);
        }
        else
        {
            var content = literal.Bytes;
            if (content.Length > session.Services.Options.MaxAppendSize)
            {
                session.No(command, "Message too big", ImapResponseCode.TooBig);
                return;
            }

            await using var writer = new Storage.Content.SpillingContentWriter(session.Services.Blobs, session.Services.InlineMessageSize);
            await writer.WriteAsync(content, session.ConnectionClosed).ConfigureAwait(false);
            staged = await writer.StageAsync(session.ConnectionClosed).ConfigureAwait(false);
        }

        var name = MailboxCommands.Decode(session, wire);
        AppendResult appended;
        try
        {
            // The append itself refuses a missing mailbox; reading the mailbox first would cost a
            // full snapshot per APPEND. The blob written for nothing is unreferenced and collectable.
            appended = await session.Services.Mail.AppendAsync(session.UserKey, name, staged, flags, date, structure, session.ConnectionClosed).ConfigureAwait(false);
        }
        catch (MailStoreException ex) when (ex.Error == MailStoreError.NotFound)
        {
            session.No(command, "No such mailbox", ImapResponseCode.TryCreate);
            return;
        }

        if (session.Selected?.Name == name)
        {
            await SelectionCommands.ReportChangesAsync(session, allowExpunge: false).ConfigureAwait(false);
        }

        session.Ok(command, "APPEND completed", ImapResponseCode.AppendUid((uint)appended.UidValidity, (uint)appended.Uid));
    }

    private static SequenceSet UidSet(IEnumerable<long> uids) =>
        SequenceSet.FromRanges(uids.Select(u => new SequenceRange((uint)u, (uint)u)));
}
