using Shouldly;

namespace Interchange.IntegrationTests;

/// <summary>The <c>X-Load-Id</c> of every message in the INBOX of <c>user0@DOMAIN</c> … <c>user(N-1)@DOMAIN</c>, read with Python's imaplib (a list: a message stored twice shows twice).</summary>
public static class StoredLoadIds
{
    public static async Task<List<string>> ReadAsync(int imapPort, int users, string domain, string password)
    {
        var script = $$"""
            import imaplib
            for i in range({{users}}):
                m = imaplib.IMAP4("127.0.0.1", {{imapPort}}, timeout=30)
                m.login(f"user{i}@{{domain}}", "{{password}}")
                typ, count = m.select("INBOX", readonly=True)
                if int(count[0]) == 0:
                    m.logout()
                    continue
                typ, data = m.fetch("1:*", "(BODY.PEEK[HEADER.FIELDS (X-LOAD-ID)])")
                for part in data:
                    if isinstance(part, tuple):
                        for line in part[1].decode().splitlines():
                            if line.lower().startswith("x-load-id:"):
                                print(line.split(":", 1)[1].strip())
                m.logout()
            """;
        var result = await ExternalProcess.PythonAsync(script, TimeSpan.FromSeconds(120));
        result.ExitCode.ShouldBe(0, ExternalProcess.Describe(result));
        return [.. result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
    }
}
