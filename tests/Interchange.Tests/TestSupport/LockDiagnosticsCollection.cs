namespace Interchange.Tests.TestSupport;

/// <summary>
/// Tests that change the process-wide lock settings (validation mode, watchdog threshold) or
/// count process-wide events run here, alone, so they neither race each other nor change what
/// other tests (which rely on Throw mode) see.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LockDiagnosticsCollection
{
    public const string Name = "Process-wide lock diagnostics";
}
