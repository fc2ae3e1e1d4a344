using System.Text.RegularExpressions;
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
        if (command.Name == "LIST" && args.Count > 0 && args[0].Kind == ImapValueKind.List)
        {
            foreach (var option in args[0].Items)
            {
                selectSubscribed |= option.IsAtom("SUBSCRIBED");
                selectSpecialUse |= option.IsAtom("SPECIAL-USE");
            }

            args.RemoveAt(0);
        }

        string[]? statusItems = null;
        var returnSubscribed = command.Name == "LSUB" || selectSubscribed;
        var returnSpecialUse = selectSpecialUse;
        var returnChildren = true;
        var returnAt = args.FindIndex(a => a.IsAtom("RETURN"));
        if (returnAt >= 0)
        {
            if (returnAt + 1 >= args.Count || args[returnAt + 1].Kind != ImapValueKind.List)
            {
                Bad(command, "RETURN needs a list");
                return;
            }

            var options = args[returnAt + 1].Items;
            for (var i = 0; i < options.Count; i++)
            {
                returnSubscribed |= options[i].IsAtom("SUBSCRIBED");
                returnSpecialUse |= options[i].IsAtom("SPECIAL-USE");
                returnChildren |= options[i].IsAtom("CHILDREN");
                if (options[i].IsAtom("STATUS") && i + 1 < options.Count && options[i + 1].Kind == ImapValueKind.List)
                {
                    statusItems = options[i + 1].Items.Select(v => v.Text.ToUpperInvariant()).ToArray();
                    i++;
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

        var boxes = await _services.Mail.ListMailboxesAsync(UserKey, _connectionClosed).ConfigureAwait(false);
        var names = boxes.Select(b => b.Name).ToHashSet(StringComparer.Ordinal);
        var matchers = patterns.Select(p => Pattern(Decode(reference) + Decode(p))).ToList();
        foreach (var box in boxes)
        {
            if (!matchers.Any(m => m.IsMatch(box.Name)) || (selectSubscribed && !box.Subscribed) || (command.Name == "LSUB" && !box.Subscribed) || (selectSpecialUse && box.SpecialUse is null))
            {
                continue;
            }

            var attributes = new List<string>();
            if (returnChildren)
            {
                attributes.Add(names.Any(n => n.StartsWith(box.Name + MailboxNames.Separator, StringComparison.Ordinal)) ? "\\HasChildren" : "\\HasNoChildren");
            }

            if (returnSubscribed && box.Subscribed && command.Name == "LIST")
            {
                attributes.Add("\\Subscribed");
            }

            if (box.SpecialUse is not null && (returnSpecialUse || command.Name == "LIST"))
            {
                attributes.Add(box.SpecialUse);
            }

            _out.Untagged().Atom(command.Name).AtomList(attributes).String("/").AString(Encode(box.Name)).EndLine();
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
        var box = await _services.Snapshots.SnapshotAsync(UserKey, name, _connectionClosed).ConfigureAwait(false);
        if (box is null)
        {
            return false;
        }

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
                await _services.Mail.CreateMailboxAsync(UserKey, name.TrimEnd('/'), cancellationToken: _connectionClosed).ConfigureAwait(false);
                break;
            case "DELETE":
                if (Selected?.Name == name)
                {
                    No(command, "Close the mailbox before deleting it", ImapResponseCode.InUse);
                    return;
                }

                await _services.Mail.DeleteMailboxAsync(UserKey, name, _connectionClosed).ConfigureAwait(false);
                break;
            case "RENAME":
                if (!command.Arguments[1].TryGetAstring(out var second))
                {
                    Bad(command, "Usage: RENAME mailbox newname");
                    return;
                }

                await _services.Mail.RenameMailboxAsync(UserKey, name, Decode(second), _connectionClosed).ConfigureAwait(false);
                break;
            default:
                await _services.Mail.SetSubscribedAsync(UserKey, name, command.Name == "SUBSCRIBE", _connectionClosed).ConfigureAwait(false);
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

    /// <summary>LIST wildcards: '*' matches anything, '%' anything but the hierarchy delimiter; INBOX in any case.</summary>
    private static Regex Pattern(string pattern)
    {
        var regex = "^" + Regex.Escape(pattern).Replace("\\*", ".*", StringComparison.Ordinal).Replace("%", "[^/]*", StringComparison.Ordinal) + "$";
        if (pattern.StartsWith("INBOX", StringComparison.OrdinalIgnoreCase))
        {
            regex = "^(?i:INBOX)" + regex[(1 + Regex.Escape("INBOX").Length)..];
        }

        return new Regex(regex, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
    }
}
