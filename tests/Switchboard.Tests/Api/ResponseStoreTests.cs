using System.Text;
using Microsoft.Extensions.Time.Testing;
using Switchboard.Api;

namespace Switchboard.Tests.Api;

public sealed class ResponseStoreTests
{
    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    [Fact]
    public void TryGet_SameOwner_FoundOtherOwner_NotFound()
    {
        var store = new ResponseStore(new FakeTimeProvider());
        store.Add("resp_1", "alice", Bytes("{}"), Bytes("[1]"));

        Assert.True(store.TryGet("resp_1", "alice", out _, out var conversation));
        Assert.Equal("[1]", Encoding.UTF8.GetString(conversation));
        Assert.False(store.TryGet("resp_1", "bob", out _, out _));
        Assert.False(store.Remove("resp_1", "bob"));
    }

    [Fact]
    public void TryGet_AfterTtl_Expired()
    {
        var time = new FakeTimeProvider();
        var store = new ResponseStore(time);
        store.Add("resp_1", "o", Bytes("{}"), Bytes("[]"));

        time.Advance(ResponseStore.Ttl - TimeSpan.FromSeconds(1));
        Assert.True(store.TryGet("resp_1", "o", out _, out _));
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.False(store.TryGet("resp_1", "o", out _, out _));
        Assert.Equal(0, store.Count);
    }

    [Fact]
    public void Add_OverCountOrBytes_OldestGoFirst()
    {
        var store = new ResponseStore(new FakeTimeProvider(), maxCount: 2, maxBytes: 100);
        store.Add("a", "o", Bytes("{}"), Bytes("[]"));
        store.Add("b", "o", Bytes("{}"), Bytes("[]"));
        store.Add("c", "o", Bytes("{}"), Bytes("[]"));

        Assert.False(store.TryGet("a", "o", out _, out _));
        Assert.True(store.TryGet("c", "o", out _, out _));

        store.Add("big", "o", new byte[60], new byte[38]);
        Assert.Equal(1, store.Count);
        Assert.True(store.TryGet("big", "o", out _, out _));

        store.Add("too-big", "o", new byte[100], new byte[1]);
        Assert.False(store.TryGet("too-big", "o", out _, out _));
    }

    [Fact]
    public void Remove_Owner_Gone()
    {
        var store = new ResponseStore(new FakeTimeProvider());
        store.Add("resp_1", "o", Bytes("{}"), Bytes("[]"));

        Assert.True(store.Remove("resp_1", "o"));
        Assert.False(store.TryGet("resp_1", "o", out _, out _));
        Assert.False(store.Remove("resp_1", "o"));
    }
}
