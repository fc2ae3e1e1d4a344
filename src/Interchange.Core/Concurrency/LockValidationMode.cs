namespace Interchange.Core.Concurrency;

/// <summary>What the validator does when a flow takes locks out of order.</summary>
public enum LockValidationMode
{
    /// <summary>Throw <see cref="LockOrderViolationException"/> before waiting (Debug builds, every test run).</summary>
    Throw,

    /// <summary>Log and count the violation, then proceed (Release builds: a report beats a crash).</summary>
    Report,
}
