using Interchange.Imap.Fetch;
using Interchange.Imap.Protocol;
using Interchange.Imap.Search;
using Interchange.Mime.Encodings;
using Interchange.Storage.Blobs;
using Interchange.Storage.Mail;

namespace Interchange.Imap.Session;

/// <summary>FETCH and SEARCH (incl. UID forms, CONDSTORE CHANGEDSINCE/MODSEQ, ESEARCH return options).</summary>
internal sealed partial class ImapSession
{
    private IReadOnlySet<uint>? _savedUids;

    private async ValueTask FetchAsync(ImapCommand command)
    {
        if (command.Arguments.Count < 2 || !command.Arguments[0].TryGetSequenceSet(out var set))
        {
            Bad(command, "Usage: FETCH set items");
            return;
        }

        if (!FetchRequest.TryParse(command.Arguments.Skip(1).ToList(), out var request, out var error))
        {
            Bad(command, error);
            return;
        }

        if (request.IncludesModSeq)
        {
            CondStore = true;
        }

        var view = Selected!;
        var uids = set.IsSavedResult ? view.Uids.Where(u => _savedUids?.Contains((uint)u) == true).ToList() : view.Resolve(set, command.IsUid);
        var seen = new HashSet<long>();
        if (request.SetsSeen && !view.ReadOnly)
        {
            // Reading a body sets \Seen (RFC 3501 6.4.5); the FETCH then reports the new FLAGS.
            var unseen = uids.Where(u => !view.Message(u).Flags.Contains("\\Seen", StringComparer.OrdinalIgnoreCase)).ToList();
            if (unseen.Count > 0)
            {
                var stored = await _services.Mail.StoreFlagsAsync(view.Id, unseen, FlagChange.Add, ["\\Seen"], cancellationToken: ConnectionClosed).ConfigureAwait(false);
                foreach (var update in stored.Updated.Where(u => u.Changed))
                {
                    view.Update(view.Message(update.Uid) with { Flags = update.Flags, ModSeq = update.ModSeq });
                    seen.Add(update.Uid);
                }
            }
        }

        var written = 0;
        foreach (var uid in uids)
        {
            var message = view.Message(uid);
            if (!request.Selects((ulong)message.ModSeq))
            {
                continue;
            }

            if (await FetchResponder.WriteAsync(_out, request, Fetchable(message, view.SequenceOf(uid)), command.IsUid, seen.Contains(uid), FlushOutputAsync).ConfigureAwait(false) is { } refusal)
            {
                No(command, refusal.Error, refusal.Code);
                return;
            }

            if (++written % 64 == 0)
            {
                await _output.FlushAsync(ConnectionClosed).ConfigureAwait(false); // stream big fetches
            }
        }

        Ok(command, Completed(command));
    }

    private ValueTask SearchAsync(ImapCommand command)
    {
        if (!SearchProgram.TryParse(command.Arguments, _services.Options.MaxSearchStringLength, out var program, out var error, out var badCharset, out var tooLong))
        {
            if (tooLong)
            {
                No(command, error, ImapResponseCode.Limit);
            }
            else if (badCharset)
            {
                No(command, error, ImapResponseCode.BadCharset(SearchProgram.SupportedCharsets));
            }
            else
            {
                Bad(command, error);
            }

            return ValueTask.CompletedTask;
        }

        if (program.UsesModSeq)
        {
            CondStore = true;
        }

        var view = Selected!;
        var maxSequence = (uint)view.Count;
        var maxUid = (uint)view.MaxUid;
        var matches = new List<StoredMessage>();
        var budget = new SearchBudget(_services.Options.MaxSearchBytes > 0 ? _services.Options.MaxSearchBytes : long.MaxValue, Control.Token);
        try
        {
            foreach (var uid in view.Uids)
            {
                var message = view.Message(uid);
                if (program.Matches(new SearchableMessage(Fetchable(message, view.SequenceOf(uid)), maxSequence, maxUid, budget), _savedUids))
                {
                    matches.Add(message);
                }
            }
        }
        catch (SearchLimitExceededException ex)
        {
            // RFC 5530 LIMIT: an implementation limit, not the client's syntax; no partial result.
            No(command, ex.Message, ImapResponseCode.Limit);
            return ValueTask.CompletedTask;
        }

        var found = matches.Select(m => new SearchMatch(command.IsUid ? (uint)m.Uid : (uint)view.SequenceOf(m.Uid), (uint)m.Uid, (ulong)m.ModSeq)).ToList();
        if (SearchResponder.Write(_out, command.Tag, program, found, command.IsUid, extended: Rev2) is { } saved)
        {
            _savedUids = saved.ToHashSet();
        }

        Ok(command, Completed(command));
        return ValueTask.CompletedTask;
    }

    // Streamed content goes out as it is read; the transport's back-pressure paces the reads.
    private async ValueTask FlushOutputAsync() => await _output.FlushAsync(ConnectionClosed).ConfigureAwait(false);

    private FetchableMessage Fetchable(StoredMessage message, int sequence) =>
        new((uint)sequence, (uint)message.Uid, FlagsOf(message), message.InternalDate, (ulong)message.ModSeq, message.Prefix, message.Size - message.Prefix.Length,
            (offset, length) => OpenBlobRange(message.Blob, offset, length),
            fetchable => _services.Structures.GetOrParse(message.Blob, message.Prefix, fetchable.ParseStructure));

    private Stream OpenBlobRange(BlobId blob, long offset, long length) =>
        new ByteRangeStream(_services.Blobs.OpenRead(blob), offset, length, leaveOpen: false);
}
