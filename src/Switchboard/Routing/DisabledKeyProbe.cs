namespace Switchboard.Routing;

/// <summary>
/// Every <c>disabled_probe_interval</c> (router_settings; off by default), tries each key disabled by a 401/403 with a tiny
/// request and enables it again when the upstream accepts it, e.g. after a provider restored a suspended account.
/// </summary>
internal sealed class DisabledKeyProbe : IDisposable
{
    private readonly Router _router;
    private readonly Func<Deployment, CancellationToken, Task<string?>> _probe;
    private readonly PeriodicTimer _timer;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    /// <param name="probe">Sends the tiny request; returns null when the key was accepted, else why not.</param>
    public DisabledKeyProbe(Router router, TimeSpan interval, TimeProvider time, Func<Deployment, CancellationToken, Task<string?>> probe)
    {
        _router = router;
        _probe = probe;
        _timer = new PeriodicTimer(interval, time);
        _loop = RunAsync(_stop.Token);
    }

    /// <summary>One round: every disabled deployment is probed once, one after another (a handful of tiny calls).</summary>
    internal async Task ProbeOnceAsync(CancellationToken ct)
    {
        foreach (var d in _router.DisabledDeployments())
        {
            string? problem;
            try
            {
                problem = await _probe(d, ct);
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                problem = ex.GetType().Name;
            }

            if (problem is null)
            {
                _router.Enable(d.Id, "probe");
            }
            else
            {
                _router.LogProbeFailed(d, problem);
            }
        }
    }

    private async Task RunAsync(CancellationToken ct)
    {
        try
        {
            while (await _timer.WaitForNextTickAsync(ct))
            {
                await ProbeOnceAsync(ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Shutdown.
        }
    }

    /// <summary>The loop in progress, for tests.</summary>
    internal Task Loop => _loop;

    public void Dispose()
    {
        _stop.Cancel();
        _timer.Dispose();
        _stop.Dispose();
    }
}
