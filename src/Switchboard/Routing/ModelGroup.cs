namespace Switchboard.Routing;

/// <summary>The deployments behind one <c>model_name</c>, with the group's strategy, sessions and wait queue.</summary>
internal sealed class ModelGroup
{
    internal ModelGroup(string name, IReadOnlyList<Deployment> deployments, IRoutingStrategy strategy, int sessionCapacity)
    {
        Name = name;
        Deployments = deployments;
        Strategy = strategy;
        Sessions = new SessionMap(sessionCapacity);
        LiteralLength = name.Replace("*", "", StringComparison.Ordinal).Length;
    }

    public string Name { get; }

    /// <summary>The group's deployments; a config reload replaces the list under <see cref="Gate"/> (<see cref="Router.Reload"/>).</summary>
    public IReadOnlyList<Deployment> Deployments { get; internal set; }

    public bool IsWildcard => Name.Contains('*', StringComparison.Ordinal);

    /// <summary>Length of the pattern without its <c>*</c>: the most specific wildcard wins.</summary>
    internal int LiteralLength { get; }

    internal IRoutingStrategy Strategy { get; set; }

    internal SessionMap Sessions { get; }

    /// <summary>Calls waiting for a free concurrency slot, oldest first.</summary>
    internal LinkedList<QueuedAcquire> Waiters { get; } = new();

    /// <summary>Guards every deployment's runtime state, the sessions and the queue of this group.</summary>
    internal Lock Gate { get; } = new();

    /// <summary>Reused under <see cref="Gate"/> so that picking allocates nothing.</summary>
    internal List<Deployment> Candidates { get; } = [];
}
