using System.Text.Json;
using System.Text.Json.Serialization;

namespace Interchange.Web.Api.Contracts;

/// <summary>
/// The API's JSON, generated at build time: camelCase, and an unknown property in a request
/// refused (a misspelt <c>"disabeld": true</c> is a 400, not a silent no-op). Answers go out through
/// the host's JSON options with this context first in their resolver chain: every property is
/// written, null ones as null.
/// </summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(DomainView))]
[JsonSerializable(typeof(Page<DomainView>))]
[JsonSerializable(typeof(CreateDomainRequest))]
[JsonSerializable(typeof(UserView))]
[JsonSerializable(typeof(Page<UserView>))]
[JsonSerializable(typeof(CreateUserRequest))]
[JsonSerializable(typeof(UpdateUserRequest))]
[JsonSerializable(typeof(AliasView))]
[JsonSerializable(typeof(Page<AliasView>))]
[JsonSerializable(typeof(AddAliasRequest))]
[JsonSerializable(typeof(AddTargetRequest))]
[JsonSerializable(typeof(GroupView))]
[JsonSerializable(typeof(Page<GroupView>))]
[JsonSerializable(typeof(CreateGroupRequest))]
[JsonSerializable(typeof(AddMemberRequest))]
[JsonSerializable(typeof(ChangePasswordRequest))]
[JsonSerializable(typeof(RouteView))]
[JsonSerializable(typeof(Page<RouteView>))]
[JsonSerializable(typeof(CreateRouteRequest))]
[JsonSerializable(typeof(RoutesRemoved))]
[JsonSerializable(typeof(QueueEntryView))]
[JsonSerializable(typeof(Page<QueueEntryView>))]
[JsonSerializable(typeof(QueueActionResult))]
[JsonSerializable(typeof(DkimKeyView))]
[JsonSerializable(typeof(Page<DkimKeyView>))]
[JsonSerializable(typeof(SessionView))]
[JsonSerializable(typeof(Page<SessionView>))]
[JsonSerializable(typeof(SessionsEnded))]
[JsonSerializable(typeof(StatusView))]
[JsonSerializable(typeof(TokenView))]
[JsonSerializable(typeof(Page<TokenView>))]
[JsonSerializable(typeof(CreatedTokenView))]
[JsonSerializable(typeof(CreateTokenRequest))]
internal sealed partial class ApiJsonContext : JsonSerializerContext;
