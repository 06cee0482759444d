using Switchboard.Auth;
using Switchboard.Cli;
using Switchboard.Storage;

namespace Switchboard.Tests.Cli;

public sealed class CliBackendTests
{
    private const string AliceRaw = "sk-alice-0123456789abcdefghij";
    private const string BobRaw = "sk-bob-0123456789abcdefghijklm";

    private static VirtualKeyRecord Key(string raw, string? alias) =>
        new() { KeyHash = KeyHasher.Hash(raw), KeyPreview = KeyHasher.Mask(raw), KeyAlias = alias };

    private static readonly FakeBackend Backend = new([Key(AliceRaw, "alice"), Key(BobRaw, null)]);

    [Fact]
    public async Task FindKeyAsync_RawKeyHashAliasOrPrefix_Found()
    {
        var alice = KeyHasher.Hash(AliceRaw);
        var bob = KeyHasher.Hash(BobRaw);

        Assert.Equal(alice, (await Backend.FindKeyAsync(AliceRaw, default))?.KeyHash);
        Assert.Equal(alice, (await Backend.FindKeyAsync(alice.ToUpperInvariant(), default))?.KeyHash);
        Assert.Equal(alice, (await Backend.FindKeyAsync("alice", default))?.KeyHash);
        Assert.Equal(bob, (await Backend.FindKeyAsync(bob[..12], default))?.KeyHash);
    }

    [Fact]
    public async Task FindKeyAsync_UnknownOrShortPrefix_Null()
    {
        Assert.Null(await Backend.FindKeyAsync("sk-unknown-0123456789abcdef", default));
        Assert.Null(await Backend.FindKeyAsync("carol", default));
        Assert.Null(await Backend.FindKeyAsync(KeyHasher.Hash(BobRaw)[..7], default));
    }

    [Fact]
    public async Task FindKeyAsync_AmbiguousPrefix_Throws()
    {
        // Two hashes sharing their first 8 digits are rare; build them directly.
        var backend = new FakeBackend(
        [
            new VirtualKeyRecord { KeyHash = "abcdef01" + new string('1', 56), KeyPreview = "sk-...1111" },
            new VirtualKeyRecord { KeyHash = "abcdef01" + new string('2', 56), KeyPreview = "sk-...2222" },
        ]);

        var e = await Assert.ThrowsAsync<CliException>(() => backend.FindKeyAsync("abcdef01", default));

        Assert.Equal(2, e.ExitCode);
    }

    private sealed class FakeBackend(IReadOnlyList<VirtualKeyRecord> keys) : CliBackend
    {
        public override string Description => "fake";

        public override bool IsLive => false;

        public override Task<(string RawKey, VirtualKeyRecord Key)> CreateKeyAsync(byte[] generateBody, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public override Task<VirtualKeyRecord?> GetKeyByHashAsync(string keyHash, CancellationToken cancellationToken) =>
            Task.FromResult(keys.FirstOrDefault(k => k.KeyHash == keyHash));

        public override Task<IReadOnlyList<VirtualKeyRecord>> ListKeysAsync(CancellationToken cancellationToken) => Task.FromResult(keys);

        public override Task<IReadOnlyList<string>> DeleteKeysAsync(IReadOnlyList<string> keyHashes, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public override Task<IReadOnlyList<UsageRecord>> GetUsageAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
