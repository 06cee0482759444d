namespace Switchboard.Routing;

/// <summary>A call waiting in a group's FIFO queue for a concurrency slot.</summary>
internal sealed class QueuedAcquire(RouteRequest request)
{
    public RouteRequest Request { get; } = request;

    /// <summary>
    /// Completed under the group's lock (continuations run outside it) with a lease, or with null when the group's state
    /// changed so that waiting no longer helps (e.g. every key got disabled) and the caller should look again.
    /// </summary>
    public TaskCompletionSource<DeploymentLease?> Handoff { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public LinkedListNode<QueuedAcquire>? Node { get; set; }
}
