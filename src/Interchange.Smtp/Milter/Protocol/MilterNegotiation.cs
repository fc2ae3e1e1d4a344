namespace Interchange.Smtp.Milter.Protocol;

/// <summary>
/// What a milter answered to SMFIC_OPTNEG: its protocol version, the actions it will use, the
/// protocol flags it wants, and (version 6, SMFIF_SETSYMLIST) the macro lists it wants per stage
/// instead of ours.
/// </summary>
internal sealed record MilterNegotiation(uint Version, MilterActions Actions, MilterProtocolFlags Protocol, IReadOnlyDictionary<MilterMacroStage, string[]> MacroLists)
{
    /// <summary>The protocol version Interchange speaks (Sendmail 8.14's libmilter and later).</summary>
    public const uint OurVersion = 6;

    /// <summary>Our SMFIC_OPTNEG: version 6, the actions we apply, the protocol flags we honour.</summary>
    public static void WriteOffer(MilterPacketWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        output.Begin(MilterCommand.OptionNegotiation)
            .WriteUInt32(OurVersion)
            .WriteUInt32((uint)MilterActions.Supported)
            .WriteUInt32((uint)MilterProtocolFlags.Offered)
            .End();
    }

    /// <summary>Reads the milter's SMFIC_OPTNEG reply. A version above ours or an action we did not
    /// offer is a protocol error (Postfix's milter8.c refuses both); protocol flags we did not offer
    /// are ignored; macro lists for stages we do not know are ignored.</summary>
    public static MilterNegotiation Parse(MilterPacket packet)
    {
        if (packet.Command != MilterResponse.OptionNegotiation)
        {
            throw new MilterProtocolException($"{MilterResponse.Name(packet.Command)} instead of the negotiation reply");
        }

        var data = new MilterDataReader(packet.Data.Span);
        var version = data.ReadUInt32();
        var actions = (MilterActions)data.ReadUInt32();
        var protocol = (MilterProtocolFlags)data.ReadUInt32();
        if (version is < 2 or > OurVersion)
        {
            throw new MilterProtocolException($"protocol version {version}; Interchange speaks 2 to {OurVersion}");
        }

        if ((actions & ~MilterActions.Supported) != 0)
        {
            throw new MilterProtocolException($"actions 0x{(uint)actions:x} include some not offered (0x{(uint)MilterActions.Supported:x})");
        }

        var lists = new Dictionary<MilterMacroStage, string[]>();
        while (!data.IsEmpty)
        {
            var stage = data.ReadUInt32();
            var names = data.ReadString();
            if (stage <= (uint)MilterMacroStage.EndOfHeader)
            {
                lists[(MilterMacroStage)stage] = names.Split([' ', ',', '\t'], StringSplitOptions.RemoveEmptyEntries);
            }
        }

        return new MilterNegotiation(version, actions, protocol & MilterProtocolFlags.Offered, lists);
    }

    public bool Has(MilterProtocolFlags flag) => (Protocol & flag) == flag;
}
