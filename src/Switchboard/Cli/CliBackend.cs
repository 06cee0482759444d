using System.Globalization;
using Switchboard.Auth;
using Switchboard.Storage;

namespace Switchboard.Cli;

/// <summary>
/// Where <c>keys</c> and <c>usage</c> get their data: a running gateway's admin API (<see cref="CliHttpBackend"/>) or the
/// database itself (<see cref="CliStoreBackend"/>). Both hand back the store's own records, so the commands print the same
/// tables either way.
/// </summary>
internal abstract class CliBackend : IAsyncDisposable
{
    /// <summary>Shown in messages: the gateway URL or the database kind.</summary>
    public abstract string Description { get; }

    /// <summary>True when revoking here reaches a running gateway's key cache at once.</summary>
    public abstract bool IsLive { get; }

    /// <summary>Creates a key from a <c>/key/generate</c> body; returns the raw key (shown once) and the stored key.</summary>
    public abstract Task<(string RawKey, VirtualKeyRecord Key)> CreateKeyAsync(byte[] generateBody, CancellationToken cancellationToken);

    public abstract Task<VirtualKeyRecord?> GetKeyByHashAsync(string keyHash, CancellationToken cancellationToken);

    /// <summary>Every key, oldest first.</summary>
    public abstract Task<IReadOnlyList<VirtualKeyRecord>> ListKeysAsync(CancellationToken cancellationToken);

    /// <summary>Returns the hashes actually deleted.</summary>
    public abstract Task<IReadOnlyList<string>> DeleteKeysAsync(IReadOnlyList<string> keyHashes, CancellationToken cancellationToken);

    /// <summary>Usage records with <paramref name="from"/> &lt;= time &lt; <paramref name="to"/>.</summary>
    public abstract Task<IReadOnlyList<UsageRecord>> GetUsageAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken);

    public abstract ValueTask DisposeAsync();

    /// <summary>
    /// A key named on the command line: the raw key (<c>sk-…</c>), its token id (64 hex digits), its alias, or an unambiguous
    /// token prefix of at least 8 hex digits (as <c>keys list</c> shows). Null when nothing matches.
    /// </summary>
    public async Task<VirtualKeyRecord?> FindKeyAsync(string keyOrAlias, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(keyOrAlias);
        if (keyOrAlias.StartsWith("sk-", StringComparison.Ordinal) || KeyHasher.LooksLikeHash(keyOrAlias))
        {
            var hash = KeyHasher.LooksLikeHash(keyOrAlias) ? keyOrAlias.ToLowerInvariant() : KeyHasher.Hash(keyOrAlias);
            if (await GetKeyByHashAsync(hash, cancellationToken) is { } key)
            {
                return key;
            }
        }

        var all = await ListKeysAsync(cancellationToken);
        if (all.FirstOrDefault(k => string.Equals(k.KeyAlias, keyOrAlias, StringComparison.Ordinal)) is { } byAlias)
        {
            return byAlias;
        }

        if (keyOrAlias.Length >= 8 && keyOrAlias.All(char.IsAsciiHexDigit))
        {
            var prefix = keyOrAlias.ToLowerInvariant();
            var matches = all.Where(k => k.KeyHash.StartsWith(prefix, StringComparison.Ordinal)).Take(2).ToList();
            if (matches.Count > 1)
            {
                throw new CliException(string.Create(CultureInfo.InvariantCulture,
                    $"'{keyOrAlias}' matches several keys' token ids; give more digits or the alias."), 2);
            }

            return matches.FirstOrDefault();
        }

        return null;
    }
}
