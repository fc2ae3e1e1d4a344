namespace Interchange.Tests.Mime;

/// <summary>The hand-written messages under Mime/Corpus (copied next to the test assembly).</summary>
internal static class MimeCorpus
{
    public static string Folder => Path.Combine(AppContext.BaseDirectory, "Mime", "Corpus");

    public static IReadOnlyList<string> Names =>
        [.. System.IO.Directory.EnumerateFiles(Folder, "*.eml").Select(f => Path.GetFileName(f)!).Order(StringComparer.Ordinal)];

    public static byte[] Read(string name) => File.ReadAllBytes(Path.Combine(Folder, name));

    public static TheoryData<string> All()
    {
        var data = new TheoryData<string>();
        foreach (var name in Names)
        {
            data.Add(name);
        }

        return data;
    }
}
