using System.Text;
using Interchange.Smtp.Protocol;

namespace Interchange.Smtp.Milter.Protocol;

/// <summary>
/// One change a milter asked for at the end of a message, decoded but not yet applied: changes are
/// applied only when the milter's final word accepts the message, so a milter that fails halfway
/// through its list leaves the message as it was.
/// </summary>
/// <param name="Index">SMFIR_INSHEADER: the position, 0 = first; SMFIR_CHGHEADER: which field of
/// that name, 1 = first (0 is read as 1, as Sendmail and Postfix do).</param>
/// <param name="Value">A header value as the milter sent it (see <see cref="MilterHeaderValue.FromMilter"/>).</param>
/// <param name="Text">An address (sender or recipient, without angle brackets) or the quarantine reason.</param>
internal sealed record MilterEdit(MilterEditKind Kind, string? Name = null, int Index = 0, byte[]? Value = null, string? Text = null)
{
    /// <summary>The most recipients one milter may add to one message.</summary>
    public const int MaxAddedRecipients = 1000;

    /// <summary>Decodes a modification reply, or returns null when <paramref name="packet"/> is not one.</summary>
    public static MilterEdit? TryParse(MilterPacket packet)
    {
        var data = new MilterDataReader(packet.Data.Span);
        MilterEdit edit;
        switch (packet.Command)
        {
            case MilterResponse.AddHeader:
                {
                    var name = FieldName(data.ReadStringBytes());
                    edit = new MilterEdit(MilterEditKind.AddHeader, name, Value: data.ReadStringBytes().ToArray());
                    break;
                }

            case MilterResponse.InsertHeader:
                {
                    var index = data.ReadUInt32();
                    var name = FieldName(data.ReadStringBytes());
                    edit = new MilterEdit(MilterEditKind.InsertHeader, name, (int)Math.Min(index, int.MaxValue), data.ReadStringBytes().ToArray());
                    break;
                }

            case MilterResponse.ChangeHeader:
                {
                    var index = data.ReadUInt32();
                    var name = FieldName(data.ReadStringBytes());
                    edit = new MilterEdit(MilterEditKind.ChangeHeader, name, (int)Math.Clamp(index, 1, int.MaxValue), data.ReadStringBytes().ToArray());
                    break;
                }

            case MilterResponse.ChangeSender:
                edit = new MilterEdit(MilterEditKind.ChangeSender, Text: Address(data.ReadString(), allowNull: true));
                SkipParameters(ref data);
                break;

            case MilterResponse.AddRecipient:
                edit = new MilterEdit(MilterEditKind.AddRecipient, Text: Address(data.ReadString(), allowNull: false));
                break;

            case MilterResponse.AddRecipientWithParameters:
                edit = new MilterEdit(MilterEditKind.AddRecipient, Text: Address(data.ReadString(), allowNull: false));
                SkipParameters(ref data);
                break;

            case MilterResponse.DeleteRecipient:
                edit = new MilterEdit(MilterEditKind.DeleteRecipient, Text: LooseAddress(data.ReadString()));
                break;

            case MilterResponse.Quarantine:
                {
                    var reason = data.ReadRest();
                    var end = reason.IndexOf((byte)0);
                    var text = Encoding.UTF8.GetString(end >= 0 ? reason[..end] : reason).Trim();
                    edit = new MilterEdit(MilterEditKind.Quarantine, Text: text.Length == 0 ? "held by a milter" : new string(text.Where(c => !char.IsControl(c)).ToArray()));
                    return edit;
                }

            default:
                return null;
        }

        data.End();
        return edit;
    }

    private static string FieldName(ReadOnlySpan<byte> name)
    {
        if (!MilterHeaderValue.IsFieldName(name))
        {
            throw new MilterProtocolException($"a header change for an invalid field name '{Encoding.UTF8.GetString(name)}'");
        }

        return Encoding.ASCII.GetString(name);
    }

    /// <summary>ESMTP parameters of SMFIR_CHGFROM and SMFIR_ADDRCPT_PAR: the filter contract has no
    /// place for them (the envelope keeps addresses), so they are read and left.</summary>
    private static void SkipParameters(ref MilterDataReader data)
    {
        if (!data.IsEmpty)
        {
            data.ReadStringBytes();
        }
    }

    private static string Address(string text, bool allowNull)
    {
        if (!SmtpPath.TryParse(text, out var path, out var rest, out var error))
        {
            throw new MilterProtocolException($"an envelope change with the address '{text}': {error}");
        }

        if (rest.Length > 0 || (path.IsNull && !allowNull))
        {
            throw new MilterProtocolException($"an envelope change with the address '{text}'");
        }

        return path.Address;
    }

    /// <summary>SMFIR_DELRCPT names a recipient as the milter saw it; match it with or without brackets.</summary>
    private static string LooseAddress(string text) =>
        SmtpPath.TryParse(text, out var path, out var rest, out _) && rest.Length == 0 ? path.Address : text.Trim().Trim('<', '>');
}
