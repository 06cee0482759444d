namespace Switchboard.Routing;

/// <summary>Bounded LRU map from session id to the deployment serving it. Not thread-safe: used under the group's lock.</summary>
internal sealed class SessionMap(int capacity)
{
    private readonly Dictionary<string, LinkedListNode<(string Session, Deployment Deployment)>> _map = new(StringComparer.Ordinal);
    private readonly LinkedList<(string Session, Deployment Deployment)> _order = new();

    public int Count => _map.Count;

    public Deployment? Get(string session)
    {
        if (!_map.TryGetValue(session, out var node))
        {
            return null;
        }

        _order.Remove(node);
        _order.AddFirst(node);
        return node.Value.Deployment;
    }

    public void Set(string session, Deployment deployment)
    {
        if (_map.TryGetValue(session, out var node))
        {
            node.Value = (session, deployment);
            _order.Remove(node);
            _order.AddFirst(node);
            return;
        }

        if (_map.Count >= capacity && _order.Last is { } oldest)
        {
            _map.Remove(oldest.Value.Session);
            _order.RemoveLast();
        }

        _map[session] = _order.AddFirst((session, deployment));
    }
}
