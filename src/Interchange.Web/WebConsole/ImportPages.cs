using System.Globalization;
using Interchange.Web.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Interchange.Web.WebConsole;

/// <summary>
/// Import: upload a file (size-limited by <see cref="ConsoleOptions.MaxImportBytes"/>), run it as
/// a background job (<see cref="ConsoleImportJobs"/>: one at a time), watch its progress (the page
/// polls <c>/console/import/status</c> with the script; without it, a reload shows the same), and
/// read the report with its line-numbered errors.
/// </summary>
public static class ImportPages
{
    public static void Map(RouteGroupBuilder admin)
    {
        admin.MapGet("/import", (HttpContext http, ConsoleImportJobs jobs, WebOptions options) => Show(http, jobs, options, null, StatusCodes.Status200OK));
        admin.MapPost("/import", StartAsync);
        admin.MapGet("/import/status", (HttpContext http, ConsoleImportJobs jobs) =>
        {
            ConsoleSecurity.Apply(http.Response);
            var job = jobs.Current;
            if (job is null || job.Owner != http.User.UserKey())
            {
                return Results.NotFound();
            }

            var progress = job.Progress;
            return Results.Json(new { read = progress.BytesRead, total = progress.Length, rows = progress.Rows, finished = job.Finished, summary = Summary(job) });
        });
        admin.MapPost("/import/cancel", (HttpContext http, ConsoleImportJobs jobs) =>
        {
            if (jobs.Current is { Finished: false } job && job.Owner == http.User.UserKey())
            {
                job.Cancel();
            }

            return Results.Redirect("/console/import");
        });
    }

    private static IResult Show(HttpContext http, ConsoleImportJobs jobs, WebOptions options, string? error, int status)
    {
        var view = new ConsoleView(http);
        var job = jobs.Current;
        var me = http.User.UserKey();
        HtmlFragment state;
        if (job is null)
        {
            state = HtmlFragment.Empty;
        }
        else if (job.Owner != me)
        {
            state = job.Finished
                ? HtmlFragment.Empty
                : HtmlFragment.Of($"<p class=\"notice\" role=\"status\">An import by {job.Owner} is running (started {ConsoleUi.When(job.Started)}): one runs at a time.</p>");
        }
        else
        {
            var progress = job.Progress;
            var report = job.Report;
            var errors = report is null || report.Errors.Count == 0
                ? HtmlFragment.Empty
                : HtmlFragment.Of($"""
                    <h3>Rows refused</h3>
                    {ConsoleUi.Table("Rows refused", ["Line", "Problem"], report.Errors.Select(e => (IReadOnlyList<HtmlFragment>)[HtmlFragment.Text(e.Line.ToString(CultureInfo.InvariantCulture)), HtmlFragment.Text(e.Message)]))}
                    {(report.ErrorsOmitted > 0 ? HtmlFragment.Of($"<p class=\"muted\">…and {report.ErrorsOmitted} more.</p>") : HtmlFragment.Empty)}
                    """);
            var cancel = job.Finished ? HtmlFragment.Empty : view.Form("/console/import/cancel", ConsoleUi.Button("Cancel the import", "secondary"));
            var poll = job.Finished ? string.Empty : " data-poll=\"/console/import/status\"";
            var max = Math.Max(1, progress.Length);
            state = HtmlFragment.Of($"""
                <section aria-labelledby="import-state" class="import-state">
                <h2 id="import-state">{(job.Finished ? "Last import" : "Import running")}: {job.FileName}</h2>
                <div id="import-status"{ConsoleView.Raw(poll)}>
                <progress max="{max}" value="{(job.Finished ? max : Math.Min(progress.BytesRead, max))}" aria-label="Import progress"></progress>
                <p data-progress-text aria-live="polite">{Summary(job)}</p>
                </div>
                {cancel}
                {errors}
                </section>
                """);
        }

        var formats = jobs.Importer.Formats.Select(f => (f.ToString().ToLowerInvariant(), f == ConsoleImportFormat.Csv ? "CSV" : "LDIF")).ToList();
        var upload = view.Form("/console/import", HtmlFragment.Of($"""
            <div class="fields">
            <div class="field"><label for="import-file">File</label><input id="import-file" name="file" type="file" required accept=".csv,.ldif,text/csv" aria-describedby="import-file-hint"><small id="import-file-hint" class="muted">At most {options.Console.MaxImportBytes / (1024 * 1024)} MiB. CSV: a header row naming type,address,password,target; then one domain, user, alias or group per row.</small></div>
            {ConsoleUi.Select("import-format", "format", "Format", formats, "csv")}
            {ConsoleUi.Button("Import")}
            </div>
            """), upload: true);
        var body = HtmlFragment.Of($"""
            {state}
            <h2>Import a file</h2>
            {upload}
            <p class="muted">Entries that exist already are left as they are: importing a file twice changes nothing the second time. Bad rows are listed by line; the good ones still import.</p>
            """);
        return view.Page("Import", body, status, ConsoleErrors.Notice(http), error);
    }

    private static async Task<IResult> StartAsync(HttpContext http, ConsoleImportJobs jobs, WebOptions options)
    {
        var form = await http.Request.ReadFormAsync(http.RequestAborted).ConfigureAwait(false);
        var file = form.Files.GetFile("file");
        if (file is null || file.Length == 0)
        {
            return Show(http, jobs, options, "Choose a file to import.", StatusCodes.Status400BadRequest);
        }

        if (file.Length > options.Console.MaxImportBytes)
        {
            return Show(http, jobs, options, $"The file is larger than {options.Console.MaxImportBytes / (1024 * 1024)} MiB.", StatusCodes.Status413PayloadTooLarge);
        }

        if (!Enum.TryParse<ConsoleImportFormat>(form["format"].ToString(), ignoreCase: true, out var format) || !jobs.Importer.Formats.Contains(format))
        {
            return Show(http, jobs, options, "Choose a format this server reads.", StatusCodes.Status400BadRequest);
        }

        if (jobs.Current is { Finished: false })
        {
            return Show(http, jobs, options, "An import is running: one runs at a time.", StatusCodes.Status409Conflict);
        }

        // A private copy the job reads at its pace; deleted when the job closes it.
        var copy = new FileStream(Path.Combine(Path.GetTempPath(), $"interchange-import-{Guid.NewGuid():N}"), FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 16 * 1024, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        try
        {
            await file.CopyToAsync(copy, http.RequestAborted).ConfigureAwait(false);
            copy.Position = 0;
        }
        catch
        {
            await copy.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        var name = Path.GetFileName(file.FileName);
        if (jobs.TryStart(http.User.UserKey()!, name.Length > 0 ? name[..Math.Min(name.Length, 200)] : "upload", copy, format) is null)
        {
            return Show(http, jobs, options, "An import is running: one runs at a time.", StatusCodes.Status409Conflict);
        }

        return Results.Redirect("/console/import?done=import");
    }

    private static string Summary(ConsoleImportJob job)
    {
        if (job.Report is { } report)
        {
            return $"Finished: {report.Rows} row(s): {report.Changed} changed, {report.Unchanged} unchanged, {report.Failed} refused.";
        }

        if (job.Failure is { } failure)
        {
            return $"Stopped: {failure}.";
        }

        var progress = job.Progress;
        var percent = progress.Length > 0 ? 100 * progress.BytesRead / progress.Length : 0;
        return $"{percent}% read: {progress.Rows} row(s) so far: {progress.Changed} changed, {progress.Unchanged} unchanged, {progress.Failed} refused.";
    }
}
