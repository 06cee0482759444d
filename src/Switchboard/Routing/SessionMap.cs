using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Switchboard.Routing;

/// <summary>
/// Bounded LRU map from session id to the deployment serving it. Not thread-safe: used under the group's lock.
/// Session ids come from the caller (headers, the body's <c>user</c> or <c>metadata.user_id</c>) and may be of any length:
/// the map keeps only a fixed-size hash of each (128 bits of SHA-256, so that nobody can make two sessions collide on
/// purpose), never the id itself, so that <c>capacity</c> bounds its memory whatever the callers send.
/// </summary>
internal sealed class SessionMap(int capacity)
{
    private readonly Dictionary<UInt128, LinkedListNode<(UInt128 Session, Deployment Deployment)>> _map = [];
    private readonly LinkedList<(UInt128 Session, Deployment Deployment)> _order = new();

    public int Count => _map.Count;

    public int Capacity => capacity;

    public Deployment? Get(string session)
    {
        if (!_map.TryGetValue(KeyOf(session), out var node))
        {
            return null;
        }

        _order.Remove(node);
        _order.AddFirst(node);
        return node.Value.Deployment;
    }

    public void Set(string session, Deployment deployment)
    {
        var key = KeyOf(session);
        if (_map.TryGetValue(key, out var node))
        {
            node.Value = (key, deployment);
            _order.Remove(node);
            _order.AddFirst(node);
            return;
        }

        if (_map.Count >= capacity && _order.Last is { } oldest)
        {
            _map.Remove(oldest.Value.Session);
            _order.RemoveLast();
        }

        _map[key] = _order.AddFirst((key, deployment));
    }

    /// <summary>The fixed-size key of a session id, however long the id.</summary>
    internal static UInt128 KeyOf(string session)
    {
        ArgumentNullException.ThrowIfNull(session);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(MemoryMarshal.AsBytes(session.AsSpan()), hash);
        return BinaryPrimitives.ReadUInt128LittleEndian(hash);
    }
}
