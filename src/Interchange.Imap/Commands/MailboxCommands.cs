using Interchange.Imap.Protocol;
using Interchange.Storage.Mail;

namespace Interchange.Imap.Session;

/// <summary>LIST/LSUB (RFC 3501 6.3.8, LIST-EXTENDED RFC 5258, SPECIAL-USE RFC 6154, LIST-STATUS RFC 5819), STATUS, CREATE, DELETE, RENAME, (UN)SUBSCRIBE.</summary>
internal sealed partial class ImapSession
{
    private static readonly string[] s_statusItems = ["MESSAGES", "UIDNEXT", "UIDVALIDITY", "UNSEEN", "DELETED", "SIZE", "HIGHESTMODSEQ", "RECENT"];

    private async ValueTask ListAsync(ImapCommand command)
    {
        var args = command.Arguments.ToList();
        var selectSubscribed = false;
        var selectSpecialUse = false;
        var recursiveMatch = false;
        if (command.Name == "LIST" && args.Count > 0 && args[0].Kind == ImapValueKind.List)
        {
            // RFC 5258 3: an unknown selection option is BAD, and RECURSIVEMATCH needs another one to act on.
            var others = 0;
            foreach (var option in args[0].Items)
            {
                switch (option.Kind == ImapValueKind.Atom ? option.Text.ToUpperInvariant() : null)
                {
                    case "SUBSCRIBED":
                        selectSubscribed = true;
                        others++;
                        break;
                    case "SPECIAL-USE":
                        selectSpecialUse = true;
                        others++;
                        break;
                    case "RECURSIVEMATCH":
                        recursiveMatch = true;
                        break;
                    case "REMOTE":
                        break; // no remote mailboxes here
                    default:
                        Bad(command, $"Unknown LIST selection option {option}");
                        return;
                }
            }

            if (recursiveMatch && others == 0)
            {
                Bad(command, "RECURSIVEMATCH needs another selection option");
                return;
            }

            args.RemoveAt(0);
        }

        string[]? statusItems = null;
        var returnSubscribed = command.Name == "LSUB" || selectSubscribed;
        var returnSpecialUse = selectSpecialUse;
        var returnAt = args.FindIndex(a => a.IsAtom("RETURN"));
        if (returnAt >= 0)
        {
            if (command.Name != "LIST" || returnAt + 2 != args.Count || args[returnAt + 1].Kind != ImapValueKind.List)
            {
                Bad(command, "RETURN needs a list, last");
                return;
            }

            var options = args[returnAt + 1].Items;
            for (var i = 0; i < options.Count; i++)
            {
                switch (options[i].Kind == ImapValueKind.Atom ? options[i].Text.ToUpperInvariant() : null)
                {
                    case "SUBSCRIBED":
                        returnSubscribed = true;
                        break;
                    case "SPECIAL-USE":
                        returnSpecialUse = true;
                        break;
                    case "CHILDREN":
                        break; // \HasChildren and \HasNoChildren are always given
                    case "STATUS" when i + 1 < options.Count && options[i + 1].Kind == ImapValueKind.List:
                        statusItems = options[++i].Items.Select(v => v.Text.ToUpperInvariant()).ToArray();
                        break;
                    default:
                        Bad(command, $"Unknown or incomplete LIST return option {options[i]}");
                        return;
                }
            }

            args.RemoveRange(returnAt, args.Count - returnAt);
        }

        if (args.Count != 2 || !args[0].TryGetAstring(out var reference))
        {
            Bad(command, $"Usage: {command.Name} reference pattern");
            return;
        }

        var patterns = args[1].Kind == ImapValueKind.List
            ? args[1].Items.Select(p => p.TryGetAstring(out var t) ? t : string.Empty).ToList()
            : args[1].TryGetAstring(out var single) ? [single] : [];
        if (patterns.Count == 0 || statusItems?.Any(i => !s_statusItems.Contains(i)) == true)
        {
            Bad(command, "Bad pattern or STATUS item");
            return;
        }

        if (patterns is [""])
        {
            // RFC 3501: an empty pattern asks for the hierarchy delimiter.
            _out.Untagged().Atom(command.Name).BeginList().Atom("\\Noselect").EndList().String("/").String(string.Empty).EndLine();
            Ok(command, $"{command.Name} completed");
            return;
        }

        var boxes = await _services.Mail.ListMailboxesAsync(UserKey, ConnectionClosed).ConfigureAwait(false);
        var names = boxes.Select(b => b.Name).ToHashSet(StringComparer.Ordinal);

        // A pattern that is not valid modified UTF-7 names no mailbox: it matches nothing.
        var matchers = patterns.Select(p => TryDecode(reference, out var r) && TryDecode(p, out var d) ? new ListPattern(r + d) : null).OfType<ListPattern>().ToList();
        bool Matches(string name) => matchers.Any(m => m.IsMatch(name));

        // Parents of subscribed mailboxes that the pattern hides: LSUB lists them \Noselect when
        // unsubscribed (RFC 3501 6.3.9), LIST (SUBSCRIBED RECURSIVEMATCH) with CHILDINFO (RFC 5258 3.5).
        var subscribedParents = new HashSet<string>(StringComparer.Ordinal);
        if (command.Name == "LSUB" || (selectSubscribed && recursiveMatch))
        {
            foreach (var box in boxes.Where(b => b.Subscribed && (recursiveMatch || !Matches(b.Name))))
            {
                subscribedParents.UnionWith(MailboxNames.Parents(box.Name).Where(Matches));
            }
        }

        foreach (var box in boxes)
        {
            var parentOnly = subscribedParents.Contains(box.Name);
            if (!Matches(box.Name) || (selectSpecialUse && box.SpecialUse is null))
            {
                continue;
            }

            if ((selectSubscribed || command.Name == "LSUB") && !box.Subscribed && !parentOnly)
            {
                continue;
            }

            var attributes = new List<string>();
            if (command.Name == "LSUB" && !box.Subscribed)
            {
                attributes.Add("\\Noselect"); // listed only as the way to a subscribed child
            }

            attributes.Add(names.Any(n => n.StartsWith(box.Name + MailboxNames.Separator, StringComparison.Ordinal)) ? "\\HasChildren" : "\\HasNoChildren");
            if (returnSubscribed && box.Subscribed && command.Name == "LIST")
            {
                attributes.Add("\\Subscribed");
            }

            if (box.SpecialUse is not null && (returnSpecialUse || command.Name == "LIST"))
            {
                attributes.Add(box.SpecialUse);
            }

            _out.Untagged().Atom(command.Name).AtomList(attributes).String("/").AString(Encode(box.Name));
            if (command.Name == "LIST" && recursiveMatch && selectSubscribed && parentOnly)
            {
                _out.BeginList().String("CHILDINFO").BeginList().String("SUBSCRIBED").EndList().EndList();
            }

            _out.EndLine();
            if (statusItems is not null)
            {
                await WriteStatusAsync(box.Name, statusItems).ConfigureAwait(false);
            }
        }

        Ok(command, $"{command.Name} completed");
    }

    private async ValueTask StatusAsync(ImapCommand command)
    {
        if (command.Arguments.Count != 2 || !command.Arguments[0].TryGetAstring(out var name) || command.Arguments[1].Kind != ImapValueKind.List)
        {
            Bad(command, "Usage: STATUS mailbox (items)");
            return;
        }

        var items = command.Arguments[1].Items.Select(v => v.Text.ToUpperInvariant()).ToArray();
        if (items.Length == 0 || items.Any(i => !s_statusItems.Contains(i)))
        {
            Bad(command, "Unknown STATUS item");
            return;
        }

        if (!await WriteStatusAsync(Decode(name), items).ConfigureAwait(false))
        {
            No(command, "No such mailbox", ImapResponseCode.NonExistent);
            return;
        }

        Ok(command, "STATUS completed");
    }

    private async ValueTask<bool> WriteStatusAsync(string name, string[] items)
    {
        var box = await _services.Snapshots.SnapshotAsync(UserKey, name, ConnectionClosed).ConfigureAwait(false);
        if (box is null)
        {
            return false;
        }

        // RECENT: the messages no session has claimed yet (RFC 3501 6.3.10, 2.3.2).
        var firstRecent = items.Contains("RECENT") ? await _services.Mail.FirstRecentUidAsync(box.Id, ConnectionClosed).ConfigureAwait(false) ?? long.MaxValue : long.MaxValue;
        _out.Untagged().Atom("STATUS").AString(Encode(box.Name)).BeginList();
        foreach (var item in items)
        {
            _out.Atom(item).Number((ulong)(item switch
            {
                "MESSAGES" => box.Messages.Count,
                "UIDNEXT" => box.UidNext,
                "UIDVALIDITY" => box.UidValidity,
                "UNSEEN" => box.Messages.Count(m => !m.Flags.Contains("\\Seen", StringComparer.OrdinalIgnoreCase)),
                "DELETED" => box.Messages.Count(m => m.Flags.Contains(MessageFlags.Deleted, StringComparer.OrdinalIgnoreCase)),
                "SIZE" => box.Messages.Sum(m => m.Size),
                "HIGHESTMODSEQ" => box.HighestModSeq,
                "RECENT" => box.Messages.Count(m => m.Uid >= firstRecent),
                _ => 0,
            }));
        }

        _out.EndList().EndLine();
        return true;
    }

    private async ValueTask ManageAsync(ImapCommand command)
    {
        var expected = command.Name == "RENAME" ? 2 : 1;
        if (command.Arguments.Count != expected || !command.Arguments[0].TryGetAstring(out var first))
        {
            Bad(command, $"Usage: {command.Name} mailbox{(expected == 2 ? " newname" : string.Empty)}");
            return;
        }

        var name = Decode(first);
        switch (command.Name)
        {
            case "CREATE":
                await _services.Mail.CreateMailboxAsync(UserKey, name.TrimEnd('/'), cancellationToken: ConnectionClosed).ConfigureAwait(false);
                break;
            case "DELETE":
                if (Selected?.Name == name)
                {
                    No(command, "Close the mailbox before deleting it", ImapResponseCode.InUse);
                    return;
                }

                await _services.Mail.DeleteMailboxAsync(UserKey, name, ConnectionClosed).ConfigureAwait(false);
                break;
            case "RENAME":
                if (!command.Arguments[1].TryGetAstring(out var second))
                {
                    Bad(command, "Usage: RENAME mailbox newname");
                    return;
                }

                await _services.Mail.RenameMailboxAsync(UserKey, name, Decode(second), ConnectionClosed).ConfigureAwait(false);
                break;
            default:
                await _services.Mail.SetSubscribedAsync(UserKey, name, command.Name == "SUBSCRIBE", ConnectionClosed).ConfigureAwait(false);
                break;
        }

        Ok(command, $"{command.Name} completed");
    }

    /// <summary>A mailbox name from the client: modified UTF-7, or UTF-8 once UTF8=ACCEPT is enabled (RFC 6855).</summary>
    private string Decode(string wire)
    {
        if (Utf8Accept)
        {
            return wire;
        }

        return MailboxNameCodec.TryDecode(wire, out var name, out var error)
            ? name
            : throw new MailStoreException(MailStoreError.NotAllowed, $"Invalid mailbox name: {error}");
    }

    private string Encode(string name) => Utf8Accept ? name : MailboxNameCodec.Encode(name);

    private bool TryDecode(string wire, out string name)
    {
        if (Utf8Accept)
        {
            name = wire;
            return true;
        }

        return MailboxNameCodec.TryDecode(wire, out name, out _);
    }
}
