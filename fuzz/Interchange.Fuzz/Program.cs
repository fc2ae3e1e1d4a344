using SharpFuzz;

namespace Interchange.Fuzz;

/// <summary>
/// <c>Interchange.Fuzz TARGET</c>: runs TARGET under AFL++ (SharpFuzz's out-of-process
/// driver, fuzz/run.sh). <c>Interchange.Fuzz TARGET --replay FILE...</c>: runs files through
/// the target once each, outside AFL, to reproduce a finding with a readable stack trace.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length == 0 || !FuzzTargets.All.TryGetValue(args[0], out var target))
        {
            Console.Error.WriteLine($"usage: Interchange.Fuzz {{{string.Join('|', FuzzTargets.All.Keys)}}} [--replay FILE...]");
            return 2;
        }

        if (args.Length > 1 && args[1] == "--replay")
        {
            GiveCoverageAScratchMap();
            foreach (var file in args.Skip(2))
            {
                Console.WriteLine(file);
                target(File.ReadAllBytes(file));
            }

            return 0;
        }

        Fuzzer.OutOfProcess.Run(stream =>
        {
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            target(buffer.ToArray());
        });
        return 0;
    }

    // Instrumented assemblies write coverage to SharpFuzz's map, which only the fuzzer's driver
    // sets up; a replay outside AFL gives them a scratch map instead.
    private static unsafe void GiveCoverageAScratchMap() =>
        SharpFuzz.Common.Trace.SharedMem = (byte*)System.Runtime.InteropServices.NativeMemory.AllocZeroed(1 << 16);
}
