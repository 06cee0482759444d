namespace Switchboard.Routing;

/// <summary>One instance alone: nothing to share.</summary>
internal sealed class LocalRouterState : ISharedRouterState
{
    public static readonly LocalRouterState Instance = new();

    public bool SharesSlots(Deployment deployment) => false;

    public ValueTask<long?> TryTakeSlotAsync(Deployment deployment, CancellationToken ct) => new(0L);

    public void ReleaseSlot(Deployment deployment, long token, long tokens)
    {
    }

    public void CooldownStarted(Deployment deployment, DateTimeOffset until, Upstream.FailureKind kind, string reason)
    {
    }

    public void Disabled(Deployment deployment, string reason)
    {
    }

    public void Enabled(Deployment deployment)
    {
    }
}
