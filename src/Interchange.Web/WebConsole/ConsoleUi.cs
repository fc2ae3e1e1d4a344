using System.Globalization;

namespace Interchange.Web.WebConsole;

/// <summary>The console's small components: labelled fields, tables that turn into cards on a phone, a pager.</summary>
public static class ConsoleUi
{
    /// <summary>A labelled input (the label names it for screen readers; <paramref name="id"/> ties them).</summary>
    public static HtmlFragment Input(string id, string name, string label, string type = "text", string? value = null, bool required = false, string? autocomplete = null, string? hint = null)
    {
        var attributes = (required ? " required" : string.Empty) + (autocomplete is null ? string.Empty : $" autocomplete=\"{HtmlFragment.Encode(autocomplete)}\"");
        var hintFragment = hint is null ? HtmlFragment.Empty : HtmlFragment.Of($"<small id=\"{id}-hint\" class=\"muted\">{hint}</small>");
        var described = hint is null ? string.Empty : $" aria-describedby=\"{HtmlFragment.Encode(id)}-hint\"";
        return HtmlFragment.Of($"<div class=\"field\"><label for=\"{id}\">{label}</label><input id=\"{id}\" name=\"{name}\" type=\"{type}\" value=\"{value}\"{ConsoleView.Raw(attributes + described)}>{hintFragment}</div>");
    }

    public static HtmlFragment Check(string id, string name, string label, bool isChecked) =>
        HtmlFragment.Of($"<div class=\"field check\"><input id=\"{id}\" name=\"{name}\" type=\"checkbox\" value=\"true\"{ConsoleView.Raw(isChecked ? " checked" : string.Empty)}><label for=\"{id}\">{label}</label></div>");

    public static HtmlFragment Select(string id, string name, string label, IEnumerable<(string Value, string Text)> options, string? selected)
    {
        var items = options.Select(o => HtmlFragment.Of($"<option value=\"{o.Value}\"{ConsoleView.Raw(o.Value == selected ? " selected" : string.Empty)}>{o.Text}</option>"));
        return HtmlFragment.Of($"<div class=\"field\"><label for=\"{id}\">{label}</label><select id=\"{id}\" name=\"{name}\">{items}</select></div>");
    }

    public static HtmlFragment Button(string text, string cssClass = "") =>
        HtmlFragment.Of($"<button type=\"submit\"{ConsoleView.Raw(cssClass.Length > 0 ? $" class=\"{HtmlFragment.Encode(cssClass)}\"" : string.Empty)}>{text}</button>");

    /// <summary>A table with a caption; each cell carries its column's name, which the phone layout shows beside it.</summary>
    public static HtmlFragment Table(string caption, IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<HtmlFragment>> rows, string empty = "Nothing here yet.")
    {
        var body = new List<HtmlFragment>();
        foreach (var row in rows)
        {
            var cells = row.Select((cell, i) => HtmlFragment.Of($"<td data-label=\"{headers[i]}\">{cell}</td>"));
            body.Add(HtmlFragment.Of($"<tr>{cells}</tr>"));
        }

        if (body.Count == 0)
        {
            return HtmlFragment.Of($"<p class=\"muted\">{empty}</p>");
        }

        var head = headers.Select(h => HtmlFragment.Of($"<th scope=\"col\">{h}</th>"));
        return HtmlFragment.Of($"<table class=\"list\"><caption class=\"visually-hidden\">{caption}</caption><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>");
    }

    /// <summary>One page of <paramref name="items"/> (1-based <paramref name="page"/>, clamped) and the pager links, keeping the search.</summary>
    public static (IReadOnlyList<T> Items, HtmlFragment Pager) Page<T>(IReadOnlyList<T> items, int page, int size, string path, string? query)
    {
        size = Math.Max(1, size);
        var pages = Math.Max(1, (items.Count + size - 1) / size);
        page = Math.Clamp(page, 1, pages);
        var slice = items.Skip((page - 1) * size).Take(size).ToList();
        string Link(int p) => $"{path}?page={p.ToString(CultureInfo.InvariantCulture)}{(string.IsNullOrEmpty(query) ? string.Empty : "&q=" + Uri.EscapeDataString(query))}";
        var previous = page > 1 ? HtmlFragment.Of($"<a href=\"{Link(page - 1)}\" rel=\"prev\">Previous</a>") : HtmlFragment.Empty;
        var next = page < pages ? HtmlFragment.Of($"<a href=\"{Link(page + 1)}\" rel=\"next\">Next</a>") : HtmlFragment.Empty;
        var pager = HtmlFragment.Of($"<nav class=\"pager\" aria-label=\"Pages\">{previous}<span>Page {page} of {pages} ({items.Count} in all)</span>{next}</nav>");
        return (slice, pager);
    }

    /// <summary>The page asked for in the query (1 when missing or not a number: a bad link shows the first page, not an error).</summary>
    public static int PageNumber(string? page) =>
        int.TryParse(page, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number > 0 ? number : 1;

    /// <summary>A search box that keeps its query (GET: bookmarkable, no token needed).</summary>
    public static HtmlFragment Search(string path, string? query, string label) =>
        HtmlFragment.Of($"""<form method="get" action="{path}" role="search" class="fields"><div class="field"><label for="q">{label}</label><input id="q" name="q" type="search" value="{query}"></div><button type="submit" class="secondary">Search</button></form>""");

    public static string When(DateTimeOffset? at) => at is { } t ? t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture) : "-";

    public static string Age(TimeSpan age) =>
        age.TotalDays >= 1 ? $"{(int)age.TotalDays} d {age.Hours} h"
        : age.TotalHours >= 1 ? $"{(int)age.TotalHours} h {age.Minutes} min"
        : age.TotalMinutes >= 1 ? $"{(int)age.TotalMinutes} min {age.Seconds} s"
        : $"{Math.Max(0, (int)age.TotalSeconds)} s";
}
