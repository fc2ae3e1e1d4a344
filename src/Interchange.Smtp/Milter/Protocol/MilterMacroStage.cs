namespace Interchange.Smtp.Milter.Protocol;

/// <summary>The stages a milter's SETSYMLIST names macro lists for (SMFIM_*), in wire order.</summary>
internal enum MilterMacroStage
{
    Connect = 0,
    Helo = 1,
    Mail = 2,
    Recipient = 3,
    Data = 4,
    EndOfMessage = 5,
    EndOfHeader = 6,
}
