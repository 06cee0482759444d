namespace Switchboard.Routing;

/// <summary>A call waiting in a group's FIFO queue for a concurrency slot.</summary>
internal sealed class QueuedAcquire(RouteRequest request)
{
    public RouteRequest Request { get; } = request;

    /// <summary>Completed under the group's lock; continuations run outside it.</summary>
    public TaskCompletionSource<DeploymentLease> Handoff { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public LinkedListNode<QueuedAcquire>? Node { get; set; }
}
