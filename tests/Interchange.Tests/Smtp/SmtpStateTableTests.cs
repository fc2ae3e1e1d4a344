using Interchange.Smtp.Protocol;
using Shouldly;

namespace Interchange.Tests.Smtp;

/// <summary>The transitions and guards of <see cref="SmtpStateTable"/>: a walk through a whole dialogue, and each 503 it gives.</summary>
public sealed class SmtpStateTableTests
{
    private sealed record Facts(bool IsTls, bool IsAuthenticated) : ISmtpSessionFacts;

    [Fact]
    public void A_dialogue_walks_the_table_from_greeting_to_a_second_message()
    {
        var state = SmtpState.Connected;
        foreach (var (verb, expected) in new[]
        {
            ("EHLO", SmtpState.Ready),
            ("MAIL", SmtpState.Mail),
            ("RCPT", SmtpState.Recipients),
            ("RCPT", SmtpState.Recipients),
            ("DATA", SmtpState.Ready),
            ("MAIL", SmtpState.Mail),
            ("RCPT", SmtpState.Recipients),
            ("BDAT", SmtpState.Chunking),
            ("BDAT", SmtpState.Chunking),
            ("BDAT LAST", SmtpState.Ready),
            ("MAIL", SmtpState.Mail),
            ("RSET", SmtpState.Ready),
            ("STARTTLS", SmtpState.Connected),
        })
        {
            var transition = SmtpStateTable.Find(verb, state);
            transition.ShouldNotBeNull($"{verb} in {state}");
            state = transition.After(state);
            state.ShouldBe(expected, $"after {verb}");
        }
    }

    [Theory]
    [InlineData("MAIL", SmtpState.Connected)]
    [InlineData("STARTTLS", SmtpState.Connected)]
    [InlineData("VRFY", SmtpState.Connected)]
    [InlineData("RCPT", SmtpState.Ready)]
    [InlineData("BDAT", SmtpState.Mail)]
    [InlineData("BDAT LAST", SmtpState.Ready)]
    [InlineData("DATA", SmtpState.Chunking)]
    [InlineData("EHLO", SmtpState.Chunking)]
    [InlineData("AUTH", SmtpState.Recipients)]
    public void Out_of_sequence_commands_have_no_transition(string verb, SmtpState state) =>
        SmtpStateTable.Find(verb, state).ShouldBeNull();

    [Fact]
    public void Guards_refuse_a_second_STARTTLS_and_a_second_AUTH()
    {
        SmtpStateTable.Find("STARTTLS", SmtpState.Ready)!.Refusal(new Facts(IsTls: true, IsAuthenticated: false)).ShouldBe("TLS already active");
        SmtpStateTable.Find("STARTTLS", SmtpState.Ready)!.Refusal(new Facts(IsTls: false, IsAuthenticated: false)).ShouldBeNull();
        SmtpStateTable.Find("AUTH", SmtpState.Ready)!.Refusal(new Facts(IsTls: true, IsAuthenticated: true)).ShouldBe("already authenticated");
        SmtpStateTable.Find("AUTH", SmtpState.Ready)!.Refusal(new Facts(IsTls: true, IsAuthenticated: false)).ShouldBeNull();
    }

    [Fact]
    public void The_503_text_names_the_cause_and_a_command_that_stays_keeps_the_state()
    {
        SmtpStateTable.OutOfSequence(SmtpState.Connected).ShouldBe("send HELO/EHLO first");
        SmtpStateTable.OutOfSequence(SmtpState.Mail).ShouldBe("bad sequence of commands");
        SmtpStateTable.Find("NOOP", SmtpState.Chunking)!.After(SmtpState.Chunking).ShouldBe(SmtpState.Chunking);
    }
}
