namespace Switchboard.Api;

/// <summary>
/// Responses kept for <c>previous_response_id</c>, <c>GET</c> and <c>DELETE /v1/responses/{id}</c>: in memory, bounded
/// in count and bytes (the oldest go first) and by age (<see cref="Ttl"/>). A response is visible only to the API key
/// that created it (its owner, a hash of the key). Memory, not the usage database, on purpose: a follow-up comes within
/// minutes, and a stored conversation holds whole prompts that have no place beside usage rows (docs/compatibility.md).
/// Lost on restart; each gateway instance keeps its own.
/// </summary>
internal sealed class ResponseStore(TimeProvider time, int maxCount = ResponseStore.DefaultMaxCount, long maxBytes = ResponseStore.DefaultMaxBytes)
{
    public const int DefaultMaxCount = 2000;
    public const long DefaultMaxBytes = 128L * 1024 * 1024;

    public static readonly TimeSpan Ttl = TimeSpan.FromHours(1);

    private readonly Dictionary<string, LinkedListNode<Entry>> _byId = new(StringComparer.Ordinal);
    private readonly LinkedList<Entry> _byAge = new();
    private readonly Lock _lock = new();
    private long _bytes;

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _byId.Count;
            }
        }
    }

    /// <param name="response">The response object as the client got it (for <c>GET</c>).</param>
    /// <param name="conversation">Every item so far: the input history and this response's output (for <c>previous_response_id</c>).</param>
    public void Add(string id, string owner, byte[] response, byte[] conversation)
    {
        var size = response.Length + conversation.Length;
        if (size > maxBytes)
        {
            return;
        }

        lock (_lock)
        {
            RemoveLocked(id);
            var node = _byAge.AddLast(new Entry(id, owner, response, conversation, time.GetUtcNow() + Ttl));
            _byId[id] = node;
            _bytes += size;
            while (_byId.Count > maxCount || _bytes > maxBytes)
            {
                RemoveLocked(_byAge.First!.Value.Id);
            }
        }
    }

    /// <summary>The stored response of <paramref name="id"/> if it exists, has not expired, and belongs to <paramref name="owner"/>.</summary>
    public bool TryGet(string id, string owner, out byte[] response, out byte[] conversation)
    {
        response = conversation = [];
        lock (_lock)
        {
            ExpireLocked();
            if (!_byId.TryGetValue(id, out var node) || node.Value.Owner != owner)
            {
                return false;
            }

            response = node.Value.Response;
            conversation = node.Value.Conversation;
            return true;
        }
    }

    public bool Remove(string id, string owner)
    {
        lock (_lock)
        {
            ExpireLocked();
            if (!_byId.TryGetValue(id, out var node) || node.Value.Owner != owner)
            {
                return false;
            }

            RemoveLocked(id);
            return true;
        }
    }

    private void ExpireLocked()
    {
        var now = time.GetUtcNow();
        while (_byAge.First is { } oldest && oldest.Value.Expires <= now)
        {
            RemoveLocked(oldest.Value.Id);
        }
    }

    private void RemoveLocked(string id)
    {
        if (_byId.Remove(id, out var node))
        {
            _byAge.Remove(node);
            _bytes -= node.Value.Response.Length + node.Value.Conversation.Length;
        }
    }

    private sealed record Entry(string Id, string Owner, byte[] Response, byte[] Conversation, DateTimeOffset Expires);
}
