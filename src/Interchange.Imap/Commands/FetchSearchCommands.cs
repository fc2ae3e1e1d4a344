using Interchange.Imap.Fetch;
using Interchange.Imap.Protocol;
using Interchange.Imap.Search;
using Interchange.Imap.Session;
using Interchange.Mime.Encodings;
using Interchange.Storage.Blobs;
using Interchange.Storage.Mail;

namespace Interchange.Imap.Commands;

/// <summary>FETCH and SEARCH (incl. UID forms, CONDSTORE CHANGEDSINCE/MODSEQ, ESEARCH return options).</summary>
internal static class FetchSearchCommands
{
    internal static async ValueTask FetchAsync(ImapSession session, ImapCommand command)
    {
        if (command.Arguments.Count < 2 || !command.Arguments[0].TryGetSequenceSet(out var set))
        {
            session.Bad(command, "Usage: FETCH set items");
            return;
        }

        if (!FetchRequest.TryParse(command.Arguments.Skip(1).ToList(), out var request, out var error))
        {
            session.Bad(command, error);
            return;
        }

        if (request.IncludesModSeq)
        {
            session.CondStore = true;
        }

        var view = session.Selected!;
        var uids = set.IsSavedResult ? view.Uids.Where(u => session.SavedUids?.Contains((uint)u) == true).ToList() : view.Resolve(set, command.IsUid);
        var seen = new HashSet<long>();
        if (request.SetsSeen && !view.ReadOnly)
        {
            // Reading a body sets \Seen (RFC 3501 6.4.5); the FETCH then reports the new FLAGS.
            var unseen = uids.Where(u => !view.Message(u).Flags.Contains("\\Seen", StringComparer.OrdinalIgnoreCase)).ToList();
            if (unseen.Count > 0)
            {
                var stored = await session.Services.Mail.StoreFlagsAsync(view.Id, unseen, FlagChange.Add, ["\\Seen"], cancellationToken: session.ConnectionClosed).ConfigureAwait(false);
                foreach (var update in stored.Updated.Where(u => u.Changed))
                {
                    view.Update(view.Message(update.Uid) with { Flags = update.Flags, ModSeq = update.ModSeq });
                    seen.Add(update.Uid);
                }
            }
        }

        var written = 0;
        var gone = 0;
        var structures = request.NeedsStructure ? new StructureLoader(session.Services.Mail, session.Services.Blobs, session.Services.Structures) : null;
        foreach (var uid in uids)
        {
            var message = view.Message(uid);
            if (!request.Selects((ulong)message.ModSeq))
            {
                continue;
            }

            var content = session.Services.Contents.Open(message);
            if ((request.NeedsContent || request.NeedsStructure) && !await content.IsAvailableAsync(session.ConnectionClosed).ConfigureAwait(false))
            {
                // Expunged by another session longer ago than the store keeps content for
                // (Storage:ReclaimGrace), and not yet announced to this one: nothing to send.
                gone++;
                continue;
            }

            var structure = structures is null ? null : await KeptStructureAsync(structures, message, session.ConnectionClosed).ConfigureAwait(false);
            if (await FetchResponder.WriteAsync(session.Out, request, Fetchable(session, message, view.SequenceOf(uid), structure, content), command.IsUid, seen.Contains(uid), () => FlushOutputAsync(session)).ConfigureAwait(false) is { } refusal)
            {
                await SaveParsedAsync(structures, session).ConfigureAwait(false);
                session.No(command, refusal.Error, refusal.Code);
                return;
            }

            if (++written % 64 == 0)
            {
                await session.Output.FlushAsync(session.ConnectionClosed).ConfigureAwait(false); // stream big fetches
                await SaveParsedAsync(structures, session).ConfigureAwait(false);
            }
        }

        await SaveParsedAsync(structures, session).ConfigureAwait(false);
        if (gone > 0)
        {
            // RFC 9051 EXPUNGEISSUED; RFC 2180 4.1.2 lets FETCH of expunged messages fail this way.
            session.No(command, "Some of the requested messages no longer exist", new ImapResponseCode("EXPUNGEISSUED"));
            return;
        }

        session.Ok(command, ImapSession.Completed(command));
    }

    internal static async ValueTask SearchAsync(ImapSession session, ImapCommand command)
    {
        if (!SearchProgram.TryParse(command.Arguments, session.Services.Options.MaxSearchStringLength, out var program, out var error, out var badCharset, out var tooLong))
        {
            if (tooLong)
            {
                session.No(command, error, ImapResponseCode.Limit);
            }
            else if (badCharset)
            {
                session.No(command, error, ImapResponseCode.BadCharset(SearchProgram.SupportedCharsets));
            }
            else
            {
                session.Bad(command, error);
            }

            return;
        }

        if (program.UsesModSeq)
        {
            session.CondStore = true;
        }

        var view = session.Selected!;
        var maxSequence = (uint)view.Count;
        var maxUid = (uint)view.MaxUid;
        var matches = new List<StoredMessage>();
        var budget = new SearchBudget(session.Services.Options.MaxSearchBytes > 0 ? session.Services.Options.MaxSearchBytes : long.MaxValue, session.Control.Token);
        var structures = program.ReadsMessage ? new StructureLoader(session.Services.Mail, session.Services.Blobs, session.Services.Structures) : null;
        try
        {
            foreach (var uid in view.Uids)
            {
                var message = view.Message(uid);
                Storage.Content.MessageContent? content = null;
                Mime.Parsing.MessageStructure? structure = null;
                if (structures is not null)
                {
                    // Keys that read the message: its content found (and, inline, fetched) and its
                    // kept structure loaded here, asynchronously, so matching never waits on the
                    // store with a thread blocked. Content reclaimed after an expunge this session
                    // has not been told of matches nothing: it will not exist once announced.
                    content = session.Services.Contents.Open(message);
                    if (!await content.IsAvailableAsync(session.ConnectionClosed).ConfigureAwait(false))
                    {
                        continue;
                    }

                    structure = await KeptStructureAsync(structures, message, session.ConnectionClosed).ConfigureAwait(false);
                }

                try
                {
                    if (program.Matches(new SearchableMessage(Fetchable(session, message, view.SequenceOf(uid), structure, content), maxSequence, maxUid, budget), session.SavedUids))
                    {
                        matches.Add(message);
                    }
                }
                catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
                {
                    // Reclaimed between the check and the read: as above.
                }
            }
        }
        catch (SearchLimitExceededException ex)
        {
            // RFC 5530 LIMIT: an implementation limit, not the client's syntax; no partial result.
            session.No(command, ex.Message, ImapResponseCode.Limit);
            await SaveParsedAsync(structures, session).ConfigureAwait(false);
            return;
        }

        await SaveParsedAsync(structures, session).ConfigureAwait(false);

        var found = matches.Select(m => new SearchMatch(command.IsUid ? (uint)m.Uid : (uint)view.SequenceOf(m.Uid), (uint)m.Uid, (ulong)m.ModSeq)).ToList();
        if (SearchResponder.Write(session.Out, command.Tag, program, found, command.IsUid, extended: session.Rev2) is { } saved)
        {
            session.SavedUids = saved.ToHashSet();
        }

        session.Ok(command, ImapSession.Completed(command));
    }

    // Streamed content goes out as it is read; the transport's back-pressure paces the reads.
    internal static async ValueTask FlushOutputAsync(ImapSession session) => await session.Output.FlushAsync(session.ConnectionClosed).ConfigureAwait(false);

    /// <summary>
    /// A message for FETCH and SEARCH; its structure is <paramref name="structure"/> when the
    /// caller loaded it (<see cref="StructureLoader"/>), else the cache's, parsed on a miss.
    /// </summary>
    internal static FetchableMessage Fetchable(ImapSession session, StoredMessage message, int sequence, Mime.Parsing.MessageStructure? structure = null, Storage.Content.MessageContent? content = null) =>
        new((uint)sequence, (uint)message.Uid, SelectionCommands.FlagsOf(session, message), message.InternalDate, (ulong)message.ModSeq, content ?? session.Services.Contents.Open(message),
            fetchable => structure ?? session.Services.Structures.GetOrParse(message.Blob, message.Prefix, fetchable.ParseStructure));

    private static ValueTask SaveParsedAsync(StructureLoader? structures, ImapSession session) =>
        structures is null ? ValueTask.CompletedTask : structures.SaveAsync(session.ConnectionClosed);

    /// <summary>
    /// The structure kept with the message (or parsed once and stored); null when that failed,
    /// and the message is then read as before (parsed in FETCH, where a parser failure becomes
    /// the unparsed reading and a read failure is the command's).
    /// </summary>
    private static async ValueTask<Mime.Parsing.MessageStructure?> KeptStructureAsync(StructureLoader structures, StoredMessage message, CancellationToken cancellationToken)
    {
        try
        {
            return await structures.GetAsync(message, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return null;
        }
    }
}
