using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Switchboard.Cluster;

/// <summary>
/// The one connection to the shared Redis: connects in the background, knows whether Redis is reachable now (callers go
/// local at once when it is not), logs one warning per outage, and hands every message of the gateway's channel to
/// <see cref="MessageReceived"/>. <see cref="Restored"/> fires on every (re)connection, for the merge.
/// </summary>
internal sealed class RedisLink : IDisposable
{
    /// <summary>One channel for every announcement; the first field of a message says what it is (<see cref="ClusterMessage"/>).</summary>
    public static readonly RedisChannel Channel = RedisChannel.Literal("switchboard:events");

    private readonly ConfigurationOptions _options;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private volatile ConnectionMultiplexer? _mux;
    private volatile bool _connected;
    private int _downLogged;
    private bool _everConnected;

    public RedisLink(ConfigurationOptions options, ILogger logger)
    {
        _options = options;
        _logger = logger;
        Endpoint = string.Join(",", options.EndPoints.Select(e => e.ToString()));
        _ = Task.Run(ConnectAsync);
    }

    /// <summary>This process, so that it ignores its own announcements.</summary>
    public string Instance { get; } = Guid.NewGuid().ToString("N")[..12];

    /// <summary>host:port of the Redis, for logs and /health (never its password).</summary>
    public string Endpoint { get; }

    /// <summary>Redis answers now. False while it is away: nothing waits on it then.</summary>
    public bool Connected => _connected;

    public event Action<string>? MessageReceived;

    public event Action? Restored;

    /// <summary>The database; throws <see cref="ObjectDisposedException"/> before the first connection (callers check <see cref="Connected"/>).</summary>
    public IDatabase Database => (_mux ?? throw new ObjectDisposedException(nameof(RedisLink), "not connected yet")).GetDatabase();

    /// <summary>A command failed for want of Redis: go local until the connection says it is back.</summary>
    public void MarkDown(Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        if (error is RedisConnectionException or RedisTimeoutException or ObjectDisposedException)
        {
            _connected = false;
            LogDownOnce(error.GetType().Name);
        }
    }

    /// <summary>Sends a message to every other instance; fire and forget.</summary>
    public void Publish(string message)
    {
        if (!_connected || _mux is not { } mux)
        {
            return;
        }

        try
        {
            mux.GetSubscriber().Publish(Channel, message, CommandFlags.FireAndForget);
        }
        catch (Exception e) when (e is RedisException or ObjectDisposedException)
        {
            MarkDown(e);
        }
    }

    public void Dispose()
    {
        _stopping.Cancel();
        _mux?.Dispose();
        _stopping.Dispose();
    }

    private async Task ConnectAsync()
    {
        // Once connected the library reconnects by itself; a first connection that throws (a Sentinel that names no
        // master yet, say) is tried again here until it works or the gateway stops.
        while (!_stopping.IsCancellationRequested && !await TryConnectAsync())
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(1), _stopping.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task<bool> TryConnectAsync()
    {
        try
        {
            var mux = await ConnectionMultiplexer.ConnectAsync(_options);
            mux.ConnectionFailed += (_, e) =>
            {
                _connected = false;
                LogDownOnce(e.FailureType.ToString());
            };
            mux.ConnectionRestored += (_, _) => OnConnected(mux);
            await mux.GetSubscriber().SubscribeAsync(Channel, (_, message) => Deliver(message));
            _mux = mux;
            if (mux.IsConnected)
            {
                OnConnected(mux);
            }
            else
            {
                LogDownOnce("not reachable at start");
            }

            return true;
        }
        catch (Exception e) when (e is RedisException or ObjectDisposedException)
        {
            LogDownOnce(e.GetType().Name);
            return false;
        }
    }

    private void OnConnected(ConnectionMultiplexer mux)
    {
        if (_stopping.IsCancellationRequested || !mux.IsConnected)
        {
            return;
        }

        _connected = true;
        if (Interlocked.Exchange(ref _downLogged, 0) == 1 || !_everConnected)
        {
            _everConnected = true;
            Log.RedisUp(_logger, Endpoint);
        }

        Restored?.Invoke();
    }


    private void Deliver(RedisValue message)
    {
        if (message.IsNullOrEmpty)
        {
            return;
        }

        try
        {
            MessageReceived?.Invoke(message.ToString());
        }
        catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException or KeyNotFoundException)
        {
            Log.BadMessage(_logger, e.Message, e);
        }
    }

    private void LogDownOnce(string reason)
    {
        if (!_stopping.IsCancellationRequested && Interlocked.Exchange(ref _downLogged, 1) == 0)
        {
            Log.RedisDown(_logger, Endpoint, reason);
        }
    }
}
