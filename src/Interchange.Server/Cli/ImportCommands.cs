using System.CommandLine;
using System.Globalization;
using Interchange.Directory.Administration;
using Interchange.Directory.Import;
using Interchange.Server.Hosting;
using Spectre.Console;

namespace Interchange.Server.Cli;

/// <summary>
/// <c>import FILE</c> and <c>export</c>: the directory in bulk (docs/IMPORT.md). An import applies
/// the file in batches, each one transaction with a checkpoint, so a second run changes nothing
/// and a run killed part-way resumes where it stopped (the run is named by a hash of the file and
/// its format). Exit codes: 0 done, 1 failed (unreadable file, store), 2 usage, 3 imported with
/// some entries refused (listed with their lines).
/// </summary>
public static class ImportCommands
{
    private const int ErrorsShown = 20;

    public static IEnumerable<Command> Build(Option<string?> data)
    {
        yield return ImportCommand(data);
        yield return ExportCommand(data);
    }

    private static Command ImportCommand(Option<string?> data)
    {
        var file = new Argument<FileInfo>("file") { Description = "The CSV or LDIF file" };
        var format = new Option<string?>("--format") { Description = "csv or ldif (default: from the file name; .ldif is LDIF, anything else CSV)" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Check every entry and report what would change; write nothing" };
        var batch = new Option<int>("--batch") { Description = "Entries per transaction (default 1000)", DefaultValueFactory = _ => 1000 };
        var errors = new Option<FileInfo?>("--errors") { Description = "Write every error and warning, with its line, to this file" };
        var restart = new Option<bool>("--restart") { Description = "Start from the first entry even if an earlier run of this file stopped part-way" };
        var command = new Command("import", "Import domains, users, aliases and groups from CSV or LDIF. Re-running a file changes nothing; a run that was interrupted resumes where it stopped.")
        {
            file, format, dryRun, batch, errors, restart,
        };
        command.SetAction(async (r, ct) =>
        {
            var path = r.GetValue(file)!;
            if (!TryFormat(r.GetValue(format), path.Name, out var chosen))
            {
                await Console.Error.WriteLineAsync($"interchange: --format must be csv or ldif, not '{r.GetValue(format)}'").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            if (r.GetValue(batch) is < 1 or > 100_000)
            {
                await Console.Error.WriteLineAsync("interchange: --batch must be between 1 and 100000").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            if (!path.Exists)
            {
                await Console.Error.WriteLineAsync($"interchange: {path.FullName} does not exist").ConfigureAwait(false);
                return ExitCodes.Failure;
            }

            var code = ExitCodes.Success;
            var ran = await AdminCommands.Run(r, data, async (s, token) =>
            {
                await using var input = new FileStream(path.FullName, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, useAsync: true);
                var options = new ImportOptions
                {
                    DryRun = r.GetValue(dryRun),
                    BatchSize = r.GetValue(batch),
                    Restart = r.GetValue(restart),
                    RunId = await DirectoryImporter.ComputeRunIdAsync(input, chosen, token).ConfigureAwait(false),
                    Description = path.Name,

                    // A running server writes to the same store: leave it room between batches (seed
                    // Q274403). With no server on the folder there is nobody to starve.
                    YieldBetweenBatches = DataFolder.Resolve(r.GetValue(data)).IsServerRunning(),
                };
                var importer = new DirectoryImporter(s.DirectoryStore);
                ImportReport report;
                try
                {
                    report = await RunWithProgressAsync(importer, input, chosen, options, path.Name, token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (token.IsCancellationRequested)
                {
                    // Ctrl+C: every committed batch stays, with its checkpoint.
                    await Console.Error.WriteLineAsync($"interchange: import of {path.Name} interrupted; run the same command again to resume where it stopped").ConfigureAwait(false);
                    code = ExitCodes.Failure;
                    return;
                }

                if (r.GetValue(errors) is { } errorFile)
                {
                    await File.WriteAllLinesAsync(errorFile.FullName, report.Errors.Concat(report.Warnings).OrderBy(i => i.Line).Select(i => i.ToString()), token).ConfigureAwait(false);
                }

                Summarize(report, path.Name, r.GetValue(errors));
                code = report.Fatal is not null ? ExitCodes.Failure : report.ErrorCount > 0 ? ExitCodes.Partial : ExitCodes.Success;
            }, ct).ConfigureAwait(false);
            return ran != ExitCodes.Success ? ran : code;
        });
        return command;
    }

    private static async Task<ImportReport> RunWithProgressAsync(DirectoryImporter importer, Stream input, ImportFormat format, ImportOptions options, string name, CancellationToken cancellationToken)
    {
        if (Console.IsOutputRedirected || !AnsiConsole.Profile.Capabilities.Interactive)
        {
            return await importer.ImportAsync(input, format, options, null, cancellationToken).ConfigureAwait(false);
        }

        ImportReport? report = null;
        await AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask($"{(options.DryRun ? "checking" : "importing")} {Markup.Escape(name)}", maxValue: Math.Max(1, input.Length));
                var progress = new InlineProgress(p =>
                {
                    task.Value = p.Position;
                    task.Description = $"{Markup.Escape(name)}: {p.Entries.ToString("N0", CultureInfo.InvariantCulture)} entries, {p.Failed.ToString("N0", CultureInfo.InvariantCulture)} refused";
                });
                report = await importer.ImportAsync(input, format, options, progress, cancellationToken).ConfigureAwait(false);
                task.Value = task.MaxValue;
            }).ConfigureAwait(false);
        return report!;
    }

    private static void Summarize(ImportReport report, string name, FileInfo? errorFile)
    {
        static string N(long value) => value.ToString(CultureInfo.InvariantCulture);

        if (report.ResumedAtLine > 0)
        {
            Console.WriteLine($"resuming at line {report.ResumedAtLine}: an earlier run of {name} had committed the {N(report.SkippedEntries)} entries before it");
        }

        if (report.Fatal is not null)
        {
            Console.Error.WriteLine($"interchange: {name}: {report.Fatal}");
        }

        var verb = report.DryRun ? "dry run, nothing written: would create" : "created";
        Console.WriteLine($"{name}: {N(report.Entries)} entries read; {verb} {N(report.Created)}, {(report.DryRun ? "would change" : "changed")} {N(report.Changed)}, unchanged {N(report.Unchanged)}, refused {N(report.ErrorCount)}");
        if (report.NothingChanged && report.ErrorCount == 0 && report.Fatal is null)
        {
            Console.WriteLine(report.DryRun ? "nothing would change" : "nothing to change: the directory already has every entry of the file");
        }

        foreach (var warning in report.Warnings.Take(ErrorsShown))
        {
            Console.Error.WriteLine(warning);
        }

        foreach (var error in report.Errors.Take(ErrorsShown))
        {
            Console.Error.WriteLine(error);
        }

        var more = report.ErrorCount + report.Warnings.Count - Math.Min(ErrorsShown, report.Errors.Count) - Math.Min(ErrorsShown, report.Warnings.Count);
        if (more > 0)
        {
            Console.Error.WriteLine(errorFile is null ? $"... and {N(more)} more (--errors FILE lists them all)" : $"... and {N(more)} more, all in {errorFile.FullName}");
        }
    }

    private static Command ExportCommand(Option<string?> data)
    {
        var format = new Option<string?>("--format") { Description = "csv (default) or ldif; default from --output's name" };
        var output = new Option<FileInfo?>("--output", "-o") { Description = "Write to this file, readable by its owner only (default: standard output)" };
        var domain = new Option<string?>("--domain") { Description = "Only this domain" };
        var command = new Command("export", "Export domains, users (with their password hashes: the file is sensitive), aliases and groups as CSV or LDIF that 'interchange import' reads back.")
        {
            format, output, domain,
        };
        command.SetAction(async (r, ct) =>
        {
            var file = r.GetValue(output);
            if (!TryFormat(r.GetValue(format), file?.Name ?? "", out var chosen))
            {
                await Console.Error.WriteLineAsync($"interchange: --format must be csv or ldif, not '{r.GetValue(format)}'").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            return await AdminCommands.Run(r, data, async (s, token) =>
            {
                var only = r.GetValue(domain) is { } d ? DirectoryService.ParseDomain(d).Value : null;
                var exporter = new DirectoryExporter(s.DirectoryStore);
                ExportSummary summary;
                if (file is null)
                {
                    await using var stdout = Console.OpenStandardOutput();
                    summary = await exporter.ExportAsync(stdout, chosen, only, token).ConfigureAwait(false);
                }
                else
                {
                    await using (var stream = OpenPrivate(file.FullName))
                    {
                        summary = await exporter.ExportAsync(stream, chosen, only, token).ConfigureAwait(false);
                    }
                }

                var text = $"exported {summary.Domains} domains, {summary.Users} users, {summary.Aliases} aliases, {summary.Groups} groups{(file is null ? "" : $" to {file.FullName} (mode 0600: it holds password hashes)")}";
                if (file is null)
                {
                    await Console.Error.WriteLineAsync(text).ConfigureAwait(false);
                }
                else
                {
                    Console.WriteLine(text);
                }
            }, ct).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>The export file, created or truncated readable and writable by its owner only: it holds password hashes.</summary>
    private static FileStream OpenPrivate(string path)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None);
        }

        var stream = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            Share = FileShare.None,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        });
        File.SetUnixFileMode(stream.SafeFileHandle, UnixFileMode.UserRead | UnixFileMode.UserWrite); // an existing file keeps its mode on open
        return stream;
    }

    private static bool TryFormat(string? given, string fileName, out ImportFormat format)
    {
        switch (given?.ToLowerInvariant())
        {
            case "csv": format = ImportFormat.Csv; return true;
            case "ldif": format = ImportFormat.Ldif; return true;
            case null:
                format = fileName.EndsWith(".ldif", StringComparison.OrdinalIgnoreCase) || fileName.EndsWith(".ldf", StringComparison.OrdinalIgnoreCase) ? ImportFormat.Ldif : ImportFormat.Csv;
                return true;
            default: format = ImportFormat.Csv; return false;
        }
    }

    /// <summary>Reports on the importer's own thread, in order (Progress&lt;T&gt; would post to the thread pool and reorder).</summary>
    private sealed class InlineProgress(Action<ImportProgress> report) : IProgress<ImportProgress>
    {
        public void Report(ImportProgress value) => report(value);
    }
}
