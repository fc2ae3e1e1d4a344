using System.Runtime.CompilerServices;
using System.Text;

namespace Interchange.Tests.TestSupport;

/// <summary>
/// Registers the legacy code pages (iso-2022-jp, windows-125x, ...) before any test runs: MimeKit
/// remembers a charset it could not find, so whichever of MimeKit and our own MimeCharsets (which
/// registers them) is used first in the process must not decide the results of the other's tests.
/// The server does the same at start (Program.cs).
/// </summary>
internal static class CodePages
{
#pragma warning disable CA2255 // A test assembly is an application here: this runs once, before any test.
    [ModuleInitializer]
    internal static void Register() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
#pragma warning restore CA2255
}
