namespace Interchange.Directory.Security;

/// <summary>A session's hold on its <see cref="SecurityContext"/>; released exactly once.</summary>
public sealed class SessionHandle : IDisposable
{
    private int _closed;

    internal SessionHandle(SecurityContext context) => Context = context;

    /// <summary>The context this session authenticated with, for the whole session.</summary>
    public SecurityContext Context { get; }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _closed, 1) == 0)
        {
            Context.CloseSession();
        }
    }
}
