using System.Globalization;
using FsCheck;
using FsCheck.Fluent;
using Interchange.Mime.Headers;
using Shouldly;

namespace Interchange.Tests.Mime.Headers;

/// <summary>RFC 5322 §3.3 dates, obsolete forms, and the broken ones real mail carries.</summary>
public sealed class MailDateTests
{
    [Theory]
    [InlineData("Tue, 1 Jul 2003 10:52:37 +0200", "2003-07-01T10:52:37+02:00")]
    [InlineData("1 Jul 2003 10:52:37 +0200", "2003-07-01T10:52:37+02:00")]
    [InlineData("Tue, 01 Jul 03 10:52 +0200", "2003-07-01T10:52:00+02:00")]
    [InlineData("Thu, 1 Jul 99 10:52:37 -0000", "1999-07-01T10:52:37+00:00")]
    [InlineData("Thu, 1 Jul 103 10:52:37 +0000", "2003-07-01T10:52:37+00:00")]
    [InlineData("Tue, 1 Jul 2003 10:52:37 EDT", "2003-07-01T10:52:37-04:00")]
    [InlineData("Tue, 1 Jul 2003 10:52:37 pst", "2003-07-01T10:52:37-08:00")]
    [InlineData("Tue, 1 Jul 2003 10:52:37 GMT", "2003-07-01T10:52:37+00:00")]
    [InlineData("Tue, 1 Jul 2003 10:52:37 -0700 (PDT)", "2003-07-01T10:52:37-07:00")]
    [InlineData("Thu,  6 Feb 2025 08:30:00 +0000 (UTC)", "2025-02-06T08:30:00+00:00")]
    [InlineData("Tue, 1 Jul 2003 10:52:37 (no zone)", "2003-07-01T10:52:37+00:00")]
    [InlineData("Tue, 1 Jul 2003 10:52:37 A", "2003-07-01T10:52:37+00:00")]
    [InlineData("Tue Jul  1 10:52:37 2003", "2003-07-01T10:52:37+00:00")]
    [InlineData("Tuesday, 1 July 2003 10:52:37 +0200", "2003-07-01T10:52:37+02:00")]
    [InlineData("1-Jul-2003 10:52:37 +0200", "2003-07-01T10:52:37+02:00")]
    [InlineData("Tue, 1 Jul 2003 10.52.37 +0200", "2003-07-01T10:52:37+02:00")]
    [InlineData("Tue, 1 Jul 2003 10:52:37 GMT+0200", "2003-07-01T10:52:37+02:00")]
    [InlineData("Tue, 1 Jul 2003 10:52:37 +02:00", "2003-07-01T10:52:37+02:00")]
    [InlineData("Tue, 1 Jul 2003 10:52:37 +0530", "2003-07-01T10:52:37+05:30")]
    [InlineData("Tue, 1 Jul 2003 10:52:60 +0000", "2003-07-01T10:52:59+00:00")]
    [InlineData("2003-07-01T10:52:37Z", "2003-07-01T10:52:37+00:00")]
    [InlineData("2003-07-01 10:52:37 +0200", "2003-07-01T10:52:37+02:00")]
    [InlineData("5 Apr 25 13:05 EDT", "2025-04-05T13:05:00-04:00")]
    [InlineData("Sat, 29 Feb 2020 23:59:59 +1400", "2020-02-29T23:59:59+14:00")]
    public void Dates_parse(string text, string expected)
    {
        MailDate.Parse(text).ShouldBe(DateTimeOffset.Parse(expected, CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("garbage")]
    [InlineData("Tue, 1 Foo 2003 10:52:37 +0200")]
    [InlineData("31 Feb 2003 10:00 +0000")]
    [InlineData("29 Feb 2021 10:00 +0000")]
    [InlineData("1 Jul 2003 25:00:00 +0000")]
    [InlineData("1 Jul 2003 10:61 +0000")]
    [InlineData("Jul 2003")]
    public void Unreadable_dates_give_null(string? text)
    {
        MailDate.Parse(text).ShouldBeNull();
        MailDate.TryParse(text, out _).ShouldBeFalse();
    }

    [Fact]
    public void Formatted_dates_are_rfc_5322_and_read_back()
    {
        var date = new DateTimeOffset(2025, 3, 9, 7, 5, 3, TimeSpan.FromMinutes(-330));

        MailDate.Format(date).ShouldBe("Sun, 9 Mar 2025 07:05:03 -0530");
        MailDate.Parse(MailDate.Format(date)).ShouldBe(date);
    }

    [Fact]
    public void Any_text_parses_without_throwing_and_formatting_round_trips()
    {
        var pieces = Gen.Elements("Tue", ",", " ", "1", "31", "Jul", "Feb", "2003", "99", "10:52", ":37", "+0200", "-", "+", "GMT", "(", ")", "T", "Z", "2003-07-01", ".", "9999", "0");
        var texts = Gen.Choose(0, 12).SelectMany(n => Gen.ArrayOf(pieces, n)).Select(p => string.Concat(p));
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(1000), Prop.ForAll(texts.ToArbitrary(), text => MailDate.Parse(text) is null or { Year: > 0 }));

        var dates = Gen.Choose(0, 100_000_000).Zip(Gen.Choose(-14 * 4, 14 * 4))
            .Select(t => new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.FromMinutes(t.Item2 * 15)).AddSeconds(t.Item1));
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(500), Prop.ForAll(dates.ToArbitrary(), date => MailDate.Parse(MailDate.Format(date)) == date));
    }
}
