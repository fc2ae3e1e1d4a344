using System.Text.Json;
using System.Text.Json.Serialization;

namespace Interchange.Server.Hosting;

/// <summary><c>DATA/run/endpoints.json</c>: where a running server listens, for scripts and tests (port 0 included).</summary>
public static class EndpointsFile
{
    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public sealed record Listener(string Protocol, string Host, int Port);

    public sealed record Content(int Pid, DateTimeOffset Started, IReadOnlyList<Listener> Listeners);

    public static void Write(string path, Content content)
    {
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = path + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(content, s_json));
        File.Move(temp, path, overwrite: true);
    }

    public static Content? Read(string path) =>
        File.Exists(path) ? JsonSerializer.Deserialize<Content>(File.ReadAllText(path), s_json) : null;
}
