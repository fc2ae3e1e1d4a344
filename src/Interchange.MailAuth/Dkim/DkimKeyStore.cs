using System.Globalization;
using System.Runtime.Versioning;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Interchange.Core.Addressing;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;

namespace Interchange.MailAuth.Dkim;

/// <summary>
/// DKIM keys kept as files: <c>ROOT/DOMAIN/SELECTOR.key</c> (the private key, PKCS #8 PEM, mode
/// 0600) and <c>ROOT/DOMAIN/keys.json</c> (each key's algorithm, size, creation time, public key
/// and whether it signs), folders 0700. Every file is written whole to a temporary name, flushed
/// to disk and renamed over the old one, so a reader (a running server) sees the old file or the
/// new, never half of one. At most one key per algorithm is active per domain: an RSA and an
/// Ed25519 key active together sign every message twice (RFC 8463 recommends it while Ed25519
/// verifiers are few). A private key is never returned as text: only loaded for signing.
/// </summary>
public sealed class DkimKeyStore
{
    /// <summary>The folder under the data folder.</summary>
    public const string FolderName = "dkim";

    /// <summary>The metadata file in each domain's folder.</summary>
    public const string MetadataFile = "keys.json";

    public const int DefaultRsaBits = 2048;

    private static readonly JsonSerializerOptions s_json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public DkimKeyStore(string root)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        Root = Path.GetFullPath(root);
    }

    public string Root { get; }

    /// <summary>The store of a data folder: <c>DATA/dkim</c>.</summary>
    public static DkimKeyStore InDataFolder(string dataRoot) => new(Path.Combine(dataRoot, FolderName));

    /// <summary>The canonical form of a domain name (A-labels, lower case), as keys are filed and as <c>d=</c> names it.</summary>
    public static string Canonical(string domain) =>
        DomainName.TryParse(domain, out var parsed, out var error) ? parsed.Value : throw new DkimKeyStoreException($"{domain}: {error}");

    /// <summary>The default selector: <c>s</c> (RSA) or <c>e</c> (Ed25519) and the month, <c>s202612</c>, with <c>-2</c>, <c>-3</c>… when taken.</summary>
    public static string DefaultSelector(DkimKeyAlgorithm algorithm, DateTimeOffset now, IEnumerable<string> taken)
    {
        var used = new HashSet<string>(taken, StringComparer.OrdinalIgnoreCase);
        var stem = (algorithm == DkimKeyAlgorithm.Ed25519 ? "e" : "s") + now.UtcDateTime.ToString("yyyyMM", CultureInfo.InvariantCulture);
        var selector = stem;
        for (var n = 2; used.Contains(selector); n++)
        {
            selector = $"{stem}-{n.ToString(CultureInfo.InvariantCulture)}";
        }

        return selector;
    }

    /// <summary>
    /// RFC 6376 3.1: a selector is a sub-domain (dot-separated labels of letters, digits and inner
    /// hyphens); lower case here, since it names a file too.
    /// </summary>
    public static bool IsValidSelector(string? selector)
    {
        if (string.IsNullOrEmpty(selector) || selector.Length > 63 * 2)
        {
            return false;
        }

        foreach (var label in selector.Split('.'))
        {
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-'
                || !label.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Every key, by domain then creation (newest last); of one domain when given.</summary>
    public IReadOnlyList<DkimKeyInfo> List(string? domain = null)
    {
        if (domain is not null)
        {
            return Read(Canonical(domain));
        }

        if (!System.IO.Directory.Exists(Root))
        {
            return [];
        }

        return System.IO.Directory.GetDirectories(Root)
            .Select(Path.GetFileName)
            .Where(d => d is not null && !d.StartsWith('.'))
            .Order(StringComparer.Ordinal)
            .SelectMany(d => Read(d!))
            .ToList();
    }

    /// <summary>
    /// Makes and stores a key. It is active when <paramref name="activate"/> says so; by default
    /// when the domain has no active key of that algorithm yet (a second one waits for
    /// <see cref="Activate"/>, after its record is published).
    /// </summary>
    public DkimKeyInfo Generate(string domain, string? selector, DkimKeyAlgorithm algorithm, int bits, DateTimeOffset now, bool? activate = null)
    {
        domain = Canonical(domain);
        var keys = Read(domain).ToList();
        selector = selector?.Trim().ToLowerInvariant() ?? DefaultSelector(algorithm, now, keys.Select(k => k.Selector));
        if (!IsValidSelector(selector))
        {
            throw new DkimKeyStoreException($"'{selector}' is not a valid selector (labels of letters, digits and inner hyphens; RFC 6376 3.1)");
        }

        if (keys.Any(k => k.Selector == selector))
        {
            throw new DkimKeyStoreException($"{domain} already has a key with selector {selector}");
        }

        if (algorithm == DkimKeyAlgorithm.Rsa && bits is < 1024 or > 4096)
        {
            // RFC 8301 3.2: signers MUST use at least 1024 bits and SHOULD use 2048; over 4096 few verifiers go.
            throw new DkimKeyStoreException($"--bits {bits.ToString(CultureInfo.InvariantCulture)}: an RSA key has 1024 to 4096 bits (2048 recommended, RFC 8301)");
        }

        var (pem, publicKey, size) = Create(algorithm, bits);
        var active = activate ?? !keys.Any(k => k.Active && k.Algorithm == algorithm);
        var key = new DkimKeyInfo(domain, selector, algorithm, size, now, active, publicKey);
        if (active)
        {
            keys = keys.Select(k => k.Active && k.Algorithm == algorithm ? k with { Active = false } : k).ToList();
        }

        var folder = DomainFolder(domain);
        CreateFolder(Root);
        CreateFolder(folder);
        WriteAtomically(Path.Combine(folder, selector + ".key"), Encoding.ASCII.GetBytes(pem));
        keys.Add(key);
        Write(domain, keys);
        return key;
    }

    /// <summary>Makes a stored key the active one of its algorithm; returns it and the key it replaced, if any.</summary>
    public (DkimKeyInfo Activated, DkimKeyInfo? Replaced) Activate(string domain, string selector)
    {
        domain = Canonical(domain);
        selector = selector.Trim().ToLowerInvariant();
        var keys = Read(domain);
        var key = keys.FirstOrDefault(k => k.Selector == selector) ?? throw NotFound(domain, selector, keys);
        var replaced = keys.FirstOrDefault(k => k.Active && k.Algorithm == key.Algorithm && k.Selector != selector);
        Write(domain, keys.Select(k => k.Algorithm != key.Algorithm ? k : k with { Active = k.Selector == selector }).ToList());
        return (key with { Active = true }, replaced);
    }

    /// <summary>Removes a key (its file and its entry); an active key stops signing.</summary>
    public DkimKeyInfo Remove(string domain, string selector)
    {
        domain = Canonical(domain);
        selector = selector.Trim().ToLowerInvariant();
        var keys = Read(domain);
        var key = keys.FirstOrDefault(k => k.Selector == selector) ?? throw NotFound(domain, selector, keys);
        // The entry goes first: a key file without an entry is ignored, an entry without its file would not load.
        Write(domain, keys.Where(k => k.Selector != selector).ToList());
        File.Delete(Path.Combine(DomainFolder(domain), selector + ".key"));
        return key;
    }

    /// <summary>The private key of <paramref name="key"/>, for a signer.</summary>
    public AsymmetricKeyParameter LoadPrivateKey(DkimKeyInfo key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var path = Path.Combine(DomainFolder(key.Domain), key.Selector + ".key");
        var text = File.ReadAllText(path, Encoding.ASCII);
        var fields = PemEncoding.Find(text);
        if (!text.AsSpan(fields.Label).SequenceEqual("PRIVATE KEY"))
        {
            throw new InvalidDataException($"{path}: not a PKCS #8 private key");
        }

        var parameters = PrivateKeyFactory.CreateKey(Convert.FromBase64String(text[fields.Base64Data]));
        var matches = key.Algorithm == DkimKeyAlgorithm.Ed25519 ? parameters is Ed25519PrivateKeyParameters : parameters is RsaKeyParameters;
        return matches && parameters.IsPrivate ? parameters : throw new InvalidDataException($"{path}: not the {key.Algorithm} key {MetadataFile} describes");
    }

    /// <summary>
    /// A cheap fingerprint of the store's state (each domain's metadata file: name, size, time
    /// written): it changes whenever a key is added, activated or removed.
    /// </summary>
    public string Stamp()
    {
        if (!System.IO.Directory.Exists(Root))
        {
            return string.Empty;
        }

        var builder = new StringBuilder();
        foreach (var folder in System.IO.Directory.GetDirectories(Root).Order(StringComparer.Ordinal))
        {
            var file = new FileInfo(Path.Combine(folder, MetadataFile));
            if (file.Exists)
            {
                builder.Append(folder).Append('|').Append(file.Length).Append('|').Append(file.LastWriteTimeUtc.Ticks).Append('\n');
            }
        }

        return builder.ToString();
    }

    private string DomainFolder(string domain) => Path.Combine(Root, domain);

    private static DkimKeyStoreException NotFound(string domain, string selector, IReadOnlyList<DkimKeyInfo> keys) =>
        new(keys.Count == 0 ? $"{domain} has no DKIM keys" : $"{domain} has no key with selector {selector} (it has {string.Join(", ", keys.Select(k => k.Selector))})");

    private IReadOnlyList<DkimKeyInfo> Read(string domain)
    {
        var path = Path.Combine(DomainFolder(domain), MetadataFile);
        if (!File.Exists(path))
        {
            return [];
        }

        try
        {
            var keys = JsonSerializer.Deserialize<List<DkimKeyInfo>>(File.ReadAllBytes(path), s_json) ?? [];
            return keys.Select(k => k with { Domain = domain }).ToList();
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{path}: {ex.Message}", ex);
        }
    }

    private void Write(string domain, IReadOnlyList<DkimKeyInfo> keys) =>
        WriteAtomically(Path.Combine(DomainFolder(domain), MetadataFile), JsonSerializer.SerializeToUtf8Bytes(keys.OrderBy(k => k.Created).ThenBy(k => k.Selector, StringComparer.Ordinal).ToList(), s_json));

    private static (string Pem, string PublicKey, int Bits) Create(DkimKeyAlgorithm algorithm, int bits)
    {
        if (algorithm == DkimKeyAlgorithm.Ed25519)
        {
            // RFC 8463 4: p= is the bare 32-byte public key, not a SubjectPublicKeyInfo.
            var key = new Ed25519PrivateKeyParameters(new SecureRandom());
            var der = PrivateKeyInfoFactory.CreatePrivateKeyInfo(key).GetEncoded();
            return (PemEncoding.WriteString("PRIVATE KEY", der), Convert.ToBase64String(key.GeneratePublicKey().GetEncoded()), 256);
        }

        // RFC 6376 3.6.1: p= is the DER SubjectPublicKeyInfo of the RSA key, base64.
        using var rsa = RSA.Create(bits);
        return (rsa.ExportPkcs8PrivateKeyPem(), Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo()), bits);
    }

    private static void CreateFolder(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            System.IO.Directory.CreateDirectory(path);
        }
        else
        {
            CreatePrivateFolder(path);
        }
    }

    [UnsupportedOSPlatform("windows")]
    private static void CreatePrivateFolder(string path)
    {
        System.IO.Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        // CreateDirectory leaves an existing folder as it was: a folder made by hand is tightened too.
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    /// <summary>Temporary file (0600 from its creation), fsync, rename over the target.</summary>
    private static void WriteAtomically(string path, byte[] content)
    {
        var temporary = Path.Combine(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            using (var stream = new FileStream(temporary, options))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }
}
