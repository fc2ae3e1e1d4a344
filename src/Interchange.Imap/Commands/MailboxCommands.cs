using Interchange.Imap.Protocol;
using Interchange.Imap.Session;
using Interchange.Storage.Mail;

namespace Interchange.Imap.Commands;

/// <summary>LIST/LSUB (RFC 3501 6.3.8, LIST-EXTENDED RFC 5258, SPECIAL-USE RFC 6154, LIST-STATUS RFC 5819), STATUS, CREATE, DELETE, RENAME, (UN)SUBSCRIBE.</summary>
internal static class MailboxCommands
{
    private static readonly string[] s_statusItems = ["MESSAGES", "UIDNEXT", "UIDVALIDITY", "UNSEEN", "DELETED", "SIZE", "HIGHESTMODSEQ", "RECENT"];

    internal static async ValueTask ListAsync(ImapSession session, ImapCommand command)
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
                        session.Bad(command, $"Unknown LIST selection option {option}");
                        return;
                }
            }

            if (recursiveMatch && others == 0)
            {
                session.Bad(command, "RECURSIVEMATCH needs another selection option");
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
                session.Bad(command, "RETURN needs a list, last");
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
                        session.Bad(command, $"Unknown or incomplete LIST return option {options[i]}");
                        return;
                }
            }

            args.RemoveRange(returnAt, args.Count - returnAt);
        }

        if (args.Count != 2 || !args[0].TryGetAstring(out var reference))
        {
            session.Bad(command, $"Usage: {command.Name} reference pattern");
            return;
        }

        var patterns = args[1].Kind == ImapValueKind.List
            ? args[1].Items.Select(p => p.TryGetAstring(out var t) ? t : string.Empty).ToList()
            : args[1].TryGetAstring(out var single) ? [single] : [];
        if (patterns.Count == 0 || statusItems?.Any(i => !s_statusItems.Contains(i)) == true)
        {
            session.Bad(command, "Bad pattern or STATUS item");
            return;
        }

        if (patterns is [""])
        {
            // RFC 3501: an empty pattern asks for the hierarchy delimiter.
            session.Out.Untagged().Atom(command.Name).BeginList().Atom("\\Noselect").EndList().String("/").String(string.Empty).EndLine();
            session.Ok(command, $"{command.Name} completed");
            return;
        }

        var boxes = await session.Services.Mail.ListMailboxesAsync(session.UserKey, session.ConnectionClosed).ConfigureAwait(false);
        var names = boxes.Select(b => b.Name).ToHashSet(StringComparer.Ordinal);

        // A pattern that is not valid modified UTF-7 names no mailbox: it matches nothing.
        var matchers = patterns.Select(p => TryDecode(session, reference, out var r) && TryDecode(session, p, out var d) ? new ListPattern(r + d) : null).OfType<ListPattern>().ToList();
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

            session.Out.Untagged().Atom(command.Name).AtomList(attributes).String("/").AString(Encode(session, box.Name));
            if (command.Name == "LIST" && recursiveMatch && selectSubscribed && parentOnly)
            {
                session.Out.BeginList().String("CHILDINFO").BeginList().String("SUBSCRIBED").EndList().EndList();
            }

            session.Out.EndLine();
            if (statusItems is not null)
            {
                await WriteStatusAsync(session, box.Name, statusItems).ConfigureAwait(false);
            }
        }

        session.Ok(command, $"{command.Name} completed");
    }

    internal static async ValueTask StatusAsync(ImapSession session, ImapCommand command)
    {
        if (command.Arguments.Count != 2 || !command.Arguments[0].TryGetAstring(out var name) || command.Arguments[1].Kind != ImapValueKind.List)
        {
            session.Bad(command, "Usage: STATUS mailbox (items)");
            return;
        }

        var items = command.Arguments[1].Items.Select(v => v.Text.ToUpperInvariant()).ToArray();
        if (items.Length == 0 || items.Any(i => !s_statusItems.Contains(i)))
        {
            session.Bad(command, "Unknown STATUS item");
            return;
        }

        if (!await WriteStatusAsync(session, Decode(session, name), items).ConfigureAwait(false))
        {
            session.No(command, "No such mailbox", ImapResponseCode.NonExistent);
            return;
        }

        session.Ok(command, "STATUS completed");
    }

    internal static async ValueTask<bool> WriteStatusAsync(ImapSession session, string name, string[] items)
    {
        var box = await session.Services.Snapshots.SnapshotAsync(session.UserKey, name, session.ConnectionClosed).ConfigureAwait(false);
        if (box is null)
        {
            return false;
        }

        // RECENT: the messages no session has claimed yet (RFC 3501 6.3.10, 2.3.2).
        var firstRecent = items.Contains("RECENT") ? await session.Services.Mail.FirstRecentUidAsync(box.Id, session.ConnectionClosed).ConfigureAwait(false) ?? long.MaxValue : long.MaxValue;
        session.Out.Untagged().Atom("STATUS").AString(Encode(session, box.Name)).BeginList();
        foreach (var item in items)
        {
            session.Out.Atom(item).Number((ulong)(item switch
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

        session.Out.EndList().EndLine();
        return true;
    }

    internal static async ValueTask ManageAsync(ImapSession session, ImapCommand command)
    {
        var expected = command.Name == "RENAME" ? 2 : 1;
        if (command.Arguments.Count != expected || !command.Arguments[0].TryGetAstring(out var first))
        {
            session.Bad(command, $"Usage: {command.Name} mailbox{(expected == 2 ? " newname" : string.Empty)}");
            return;
        }

        var name = Decode(session, first);
        switch (command.Name)
        {
            case "CREATE":
                await session.Services.Mail.CreateMailboxAsync(session.UserKey, name.TrimEnd('/'), cancellationToken: session.ConnectionClosed).ConfigureAwait(false);
                break;
            case "DELETE":
                if (session.Selected?.Name == name)
                {
                    session.No(command, "Close the mailbox before deleting it", ImapResponseCode.InUse);
                    return;
                }

                await session.Services.Mail.DeleteMailboxAsync(session.UserKey, name, session.ConnectionClosed).ConfigureAwait(false);
                break;
            case "RENAME":
                if (!command.Arguments[1].TryGetAstring(out var second))
                {
                    session.Bad(command, "Usage: RENAME mailbox newname");
                    return;
                }

                await session.Services.Mail.RenameMailboxAsync(session.UserKey, name, Decode(session, second), session.ConnectionClosed).ConfigureAwait(false);
                break;
            default:
                await session.Services.Mail.SetSubscribedAsync(session.UserKey, name, command.Name == "SUBSCRIBE", session.ConnectionClosed).ConfigureAwait(false);
                break;
        }

        session.Ok(command, $"{command.Name} completed");
    }

    /// <summary>A mailbox name from the client: modified UTF-7, or UTF-8 once UTF8=ACCEPT is enabled (RFC 6855).</summary>
    internal static string Decode(ImapSession session, string wire)
    {
        if (session.Utf8Accept)
        {
            return wire;
        }

        return MailboxNameCodec.TryDecode(wire, out var name, out var error)
            ? name
            : throw new MailStoreException(MailStoreError.NotAllowed, $"Invalid mailbox name: {error}");
    }

    internal static string Encode(ImapSession session, string name) => session.Utf8Accept ? name : MailboxNameCodec.Encode(name);

    internal static bool TryDecode(ImapSession session, string wire, out string name)
    {
        if (session.Utf8Accept)
        {
            name = wire;
            return true;
        }

        return MailboxNameCodec.TryDecode(wire, out name, out _);
    }
}
