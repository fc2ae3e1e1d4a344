using Interchange.Pop3.Session;

namespace Interchange.Pop3.Commands;

/// <summary>One POP3 command: the states it is valid in and what it does (one file each in <c>Commands/</c>).</summary>
internal sealed record Pop3Command(string Name, Pop3State ValidIn, Func<Pop3Session, string, ValueTask> ExecuteAsync);
