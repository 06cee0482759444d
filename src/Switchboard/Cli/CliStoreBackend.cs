using System.Text.Json;
using Switchboard.Admin;
using Switchboard.Auth;
using Switchboard.Storage;

namespace Switchboard.Cli;

/// <summary>
/// The gateway's database opened directly (offline mode). Keys are created with the same rules as <c>/key/generate</c>
/// (<see cref="KeysRequest"/>), so both modes accept and refuse the same values.
/// </summary>
internal sealed class CliStoreBackend(IGatewayStore store, string description, TimeProvider time) : CliBackend
{
    private const int PageSize = 1000;

    public override string Description => description;

    public override bool IsLive => false;

    public override async Task<(string RawKey, VirtualKeyRecord Key)> CreateKeyAsync(byte[] generateBody, CancellationToken cancellationToken)
    {
        using var body = JsonDocument.Parse(generateBody);
        if (KeysRequest.Parse(body.RootElement, out var error) is not { } request)
        {
            throw new CliException(error ?? "bad key settings", 2);
        }

        var now = time.GetUtcNow();
        var raw = VirtualKeyGenerator.New();
        var blank = new VirtualKeyRecord { KeyHash = KeyHasher.Hash(raw), KeyPreview = KeyHasher.Mask(raw), CreatedAt = now, UpdatedAt = now };
        if (request.ApplyTo(blank, now, out error) is not { } key)
        {
            throw new CliException(error!, 2);
        }

        try
        {
            await store.InsertKeyAsync(key, cancellationToken);
        }
        catch (DuplicateKeyException e)
        {
            throw new CliException("a key with this alias exists already.", e);
        }

        return (raw, key);
    }

    public override Task<VirtualKeyRecord?> GetKeyByHashAsync(string keyHash, CancellationToken cancellationToken) =>
        store.GetKeyByHashAsync(keyHash, cancellationToken);

    public override async Task<IReadOnlyList<VirtualKeyRecord>> ListKeysAsync(CancellationToken cancellationToken)
    {
        List<VirtualKeyRecord> keys = [];
        for (var page = 1; ; page++)
        {
            var result = await store.ListKeysAsync(page, PageSize, cancellationToken);
            keys.AddRange(result.Items);
            if (page >= result.TotalPages || result.Items.Count == 0)
            {
                return keys;
            }
        }
    }

    public override Task<IReadOnlyList<string>> DeleteKeysAsync(IReadOnlyList<string> keyHashes, CancellationToken cancellationToken) =>
        store.DeleteKeysAsync(keyHashes, [], cancellationToken);

    public override async Task<IReadOnlyList<UsageRecord>> GetUsageAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        List<UsageRecord> records = [];
        var seen = new HashSet<(string, long)>();
        for (var page = 1; ; page++)
        {
            var result = await store.QueryUsageAsync(
                new UsageQuery { From = from, To = to, Page = page, PageSize = PageSize }, cancellationToken);

            // A gateway writing while we page shifts the offsets; a record seen twice must count once.
            records.AddRange(result.Items.Where(r => r.RequestId.Length == 0 || seen.Add((r.RequestId, r.Time.UtcTicks))));
            if (page >= result.TotalPages || result.Items.Count == 0)
            {
                return records;
            }
        }
    }

    public override ValueTask DisposeAsync() => store.DisposeAsync();
}
