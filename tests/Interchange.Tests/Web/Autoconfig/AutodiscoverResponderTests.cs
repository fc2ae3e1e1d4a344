using System.Text;
using Interchange.Web.Autoconfig;
using Shouldly;

namespace Interchange.Tests.Web.Autoconfig;

public sealed class AutodiscoverResponderTests
{
    private const string Request = """
        <?xml version="1.0" encoding="utf-8"?>
        <Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006">
          <Request>
            <EMailAddress>alice@example.test</EMailAddress>
            <AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema>
          </Request>
        </Autodiscover>
        """;

    [Fact]
    public void A_request_names_the_address()
    {
        var parsed = AutodiscoverResponder.Parse(Encoding.UTF8.GetBytes(Request));

        parsed.IsValid.ShouldBeTrue();
        parsed.EmailAddress.ShouldBe("alice@example.test");
    }

    [Fact]
    public void Another_response_schema_is_error_601()
    {
        var parsed = AutodiscoverResponder.Parse(Encoding.UTF8.GetBytes(Request.Replace("outlook/responseschema/2006a", "mobilesync/responseschema/2006", StringComparison.Ordinal)));

        parsed.ErrorCode.ShouldBe(601);
    }

    [Theory]
    [InlineData("<!DOCTYPE a [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><a>&x;</a>")]
    [InlineData("<!DOCTYPE a [<!ENTITY l \"lol\"><!ENTITY l2 \"&l;&l;&l;&l;\">]><a>&l2;</a>")]
    [InlineData("<Autodiscover")]
    [InlineData("")]
    [InlineData("<Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006\"><Request/></Autodiscover>")]
    public void Hostile_or_broken_requests_are_error_600(string body)
    {
        AutodiscoverResponder.Parse(Encoding.UTF8.GetBytes(body)).ErrorCode.ShouldBe(600);
    }

    [Fact]
    public void An_oversized_request_is_refused_before_parsing()
    {
        var body = Encoding.UTF8.GetBytes(Request.Replace("<Request>", "<Request>" + new string(' ', AutodiscoverResponder.MaxRequestBytes), StringComparison.Ordinal));

        AutodiscoverResponder.Parse(body).ErrorCode.ShouldBe(600);
    }
}
