using System.Net;
using Interchange.Smtp.Filters;
using Microsoft.Extensions.Logging.Abstractions;
using Shouldly;

namespace Interchange.Tests.Smtp.Filters;

public sealed class SmtpFilterChainTests
{
    [Fact]
    public async Task Filters_are_asked_in_order_and_the_first_refusal_decides()
    {
        var calls = new List<string>();
        var first = new ScriptedFilter("first", calls, mail: SmtpFilterVerdict.Continue);
        var second = new ScriptedFilter("second", calls, mail: SmtpFilterVerdict.Reject("no"));
        var third = new ScriptedFilter("third", calls, mail: SmtpFilterVerdict.Continue);
        await using var chain = SmtpFilterChain.Open([first, second, third], new Connection(), NullLogger.Instance)!;

        var verdict = await chain.MailAsync("a@b", [], CancellationToken.None);

        verdict.Kind.ShouldBe(SmtpFilterVerdictKind.Reject);
        verdict.Reply!.Code.ShouldBe(550);
        calls.ShouldBe(["first MAIL", "second MAIL"]);
    }

    [Fact]
    public async Task A_filter_that_accepted_the_transaction_is_not_asked_again_until_the_reset()
    {
        var calls = new List<string>();
        var filter = new ScriptedFilter("f", calls, mail: SmtpFilterVerdict.Accept);
        await using var chain = SmtpFilterChain.Open([filter], new Connection(), NullLogger.Instance)!;

        (await chain.MailAsync("a@b", [], CancellationToken.None)).Kind.ShouldBe(SmtpFilterVerdictKind.Continue);
        await chain.RecipientAsync("c@d", [], CancellationToken.None);
        await chain.ResetAsync(CancellationToken.None);
        await chain.MailAsync("a@b", [], CancellationToken.None);

        calls.ShouldBe(["f MAIL", "f reset", "f MAIL"]);
    }

    [Fact]
    public async Task A_filter_that_throws_reads_as_a_temporary_failure_not_an_exception()
    {
        var filter = new ScriptedFilter("broken", [], mail: null);
        await using var chain = SmtpFilterChain.Open([filter], new Connection(), NullLogger.Instance)!;

        var verdict = await chain.MailAsync("a@b", [], CancellationToken.None);

        verdict.Kind.ShouldBe(SmtpFilterVerdictKind.TempFail);
        verdict.Reply!.Code.ShouldBe(451);
    }

    [Fact]
    public void No_chain_when_no_filter_applies_to_the_listener()
    {
        SmtpFilterChain.Open([new ScriptedFilter("f", [], SmtpFilterVerdict.Continue, applies: false)], new Connection(), NullLogger.Instance).ShouldBeNull();
    }

    private sealed class ScriptedFilter(string name, List<string> calls, SmtpFilterVerdict? mail, bool applies = true) : ISmtpFilter, ISmtpFilterSession
    {
        public string Name => name;

        public ISmtpFilterSession? Open(SmtpFilterConnection connection) => applies ? this : null;

        public ValueTask<SmtpFilterVerdict> ConnectAsync(CancellationToken cancellationToken) => ValueTask.FromResult(SmtpFilterVerdict.Continue);

        public ValueTask<SmtpFilterVerdict> HeloAsync(string name, CancellationToken cancellationToken) => ValueTask.FromResult(SmtpFilterVerdict.Continue);

        public ValueTask<SmtpFilterVerdict> MailAsync(string sender, IReadOnlyList<string> parameters, CancellationToken cancellationToken)
        {
            calls.Add($"{name} MAIL");
            return mail is null ? throw new InvalidOperationException("broken filter") : ValueTask.FromResult(mail);
        }

        public ValueTask<SmtpFilterVerdict> RecipientAsync(string recipient, IReadOnlyList<string> parameters, CancellationToken cancellationToken)
        {
            calls.Add($"{name} RCPT");
            return ValueTask.FromResult(SmtpFilterVerdict.Continue);
        }

        public ValueTask<SmtpFilterVerdict> MessageAsync(SmtpFilterMessage message, CancellationToken cancellationToken) => ValueTask.FromResult(SmtpFilterVerdict.Continue);

        public ValueTask ResetAsync(CancellationToken cancellationToken)
        {
            calls.Add($"{name} reset");
            return ValueTask.CompletedTask;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private sealed class Connection : SmtpFilterConnection
    {
        public override string Listener => "smtp";

        public override string HostName => "mx.example.org";

        public override string SessionId => "s1";

        public override IPEndPoint Client => new(IPAddress.Loopback, 40000);

        public override IPEndPoint? Local => null;

        public override string? Helo => "client.example.net";

        public override bool IsTls => false;

        public override string? TlsProtocol => null;

        public override string? TlsCipher => null;

        public override string? AuthenticatedUser => null;

        public override string? TransactionId => null;
    }
}
