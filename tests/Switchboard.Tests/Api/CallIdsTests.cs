using Microsoft.AspNetCore.Http;
using Switchboard.Api;

namespace Switchboard.Tests.Api;

public sealed class CallIdsTests
{
    [Fact]
    public void NewId_ManyCalls_VersionFourUuidsAsHexAllDistinct()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < 20_000; i++)
        {
            var id = CallIds.NewId();
            Assert.Equal(32, id.Length);
            Assert.All(id, c => Assert.True(char.IsAsciiHexDigitLower(c), id));
            Assert.Equal('4', id[12]); // the version nibble, as Guid.NewGuid().ToString("N") has it
            Assert.Contains(id[16], "89ab"); // the RFC 4122 variant
            Assert.True(Guid.TryParseExact(id, "N", out var parsed), id);
            Assert.Equal(4, parsed.Version);
            Assert.True(seen.Add(id), id);
        }
    }

    [Fact]
    public async Task NewId_FromManyThreads_AllDistinct()
    {
        var ids = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => Enumerable.Range(0, 5_000).Select(_ => CallIds.NewId()).ToArray())));

        Assert.Equal(40_000, ids.SelectMany(batch => batch).Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void Assign_NoClientId_NewIdInTheResponseHeaderAndReadBack()
    {
        var context = new DefaultHttpContext();

        var id = CallIds.Assign(context);

        Assert.True(Guid.TryParseExact(id, "N", out var parsed));
        Assert.Equal(4, parsed.Version);
        Assert.Equal(id, context.Response.Headers[CallIds.Header].ToString());
        Assert.Equal(id, CallIds.Of(context));
        Assert.NotEqual(id, CallIds.Assign(new DefaultHttpContext()));
    }
}
