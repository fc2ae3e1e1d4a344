namespace Interchange.Directory.Ldap;

/// <summary>Reads users and groups from LDAP as the service account (paged searches) and maps them: what the sync and <c>ldap test</c> see.</summary>
public sealed class LdapDirectoryReader(LdapOptions options, ILdapDirectory directory)
{
    private readonly LdapEntryMapper _mapper = new(options);

    public async Task<LdapSnapshot> ReadAsync(CancellationToken cancellationToken)
    {
        var users = await directory.SearchAsync(options.UserFilter, _mapper.UserAttributes, cancellationToken).ConfigureAwait(false);
        var groups = await directory.SearchAsync(options.GroupFilter, _mapper.GroupAttributes, cancellationToken).ConfigureAwait(false);
        return _mapper.Map(users, groups);
    }
}
