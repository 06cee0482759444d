using System.Net;
using System.Net.Sockets;

namespace Switchboard.Hosting;

/// <summary>
/// Inline socket completions, on by default for <c>switchboard serve</c> (architecture decision 16): the runtime's socket
/// engine runs a completed read's continuation on its epoll thread instead of queuing it to the thread pool, which saves a
/// hop per socket event. The engine reads <c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS</c> once, from the process's
/// environment, when its first socket registers; <see cref="Apply"/> sets it before that, and
/// <see cref="ProbeAsync"/> checks on a loopback pair which mode really took effect.
/// </summary>
internal static class InlineCompletions
{
    /// <summary>The runtime's own variable; "1" turns inline completions on, anything else leaves them off.</summary>
    public const string RuntimeVariable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>The gateway's setting: <c>0</c>/<c>false</c>/<c>off</c> turns them off, <c>1</c>/<c>true</c>/<c>on</c> on.</summary>
    public const string SettingVariable = "SWITCHBOARD_INLINE_COMPLETIONS";

    /// <summary>
    /// What the runtime variable should be: the gateway's setting when it is given; else the runtime variable when the
    /// environment already sets it (someone chose); else on. Null when the environment is to be left as it is.
    /// </summary>
    public static string? Decide(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        switch (environment(SettingVariable)?.Trim().ToLowerInvariant())
        {
            case "0" or "false" or "off" or "no":
                return "0";
            case "1" or "true" or "on" or "yes":
                return "1";
        }

        return environment(RuntimeVariable) is null ? "1" : null;
    }

    /// <summary>Sets the runtime variable for this process; call before any socket exists.</summary>
    public static void Apply()
    {
        if (Decide(Environment.GetEnvironmentVariable) is { } value)
        {
            Environment.SetEnvironmentVariable(RuntimeVariable, value);
        }
    }

    /// <summary>
    /// True when a socket read that had to wait completes on a thread outside the thread pool (the engine's epoll
    /// thread), i.e. inline completions are in effect in this process; one loopback connection and one byte.
    /// </summary>
    /// <returns>Null when the probe could not run (no loopback, or the process is stopping).</returns>
    public static async Task<bool?> ProbeAsync(CancellationToken cancellationToken)
    {
        try
        {
            // A thread stalled for longer than the send's delay (a loaded machine) reads as the pool: a few tries.
            // "Inline" is never a false reading (no epoll thread runs the continuation unless the engine inlines).
            for (var attempt = 0; attempt < 3; attempt++)
            {
                if (await ProbeOnceAsync(cancellationToken).ConfigureAwait(false))
                {
                    return true;
                }
            }

            return false;
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            return null;
        }
    }

    private static async Task<bool> ProbeOnceAsync(CancellationToken cancellationToken)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(listener.LocalEndPoint!, cancellationToken).ConfigureAwait(false);
        using var server = await listener.AcceptAsync(cancellationToken).ConfigureAwait(false);
        var buffer = new byte[1];
        // The read must pend and be awaited before the byte arrives, so that its continuation runs where the engine
        // completes it (inline: its own thread; else a pool thread). It starts on a pool thread, so that a read that
        // completed at once (the byte came early) reads as the pool, never as a false "inline"; the byte follows 100 ms later.
        await ThreadPoolHop.Instance;
        var read = server.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
        var send = SendLaterAsync(client, cancellationToken);
        await read.ConfigureAwait(false);
        var inline = !Thread.CurrentThread.IsThreadPoolThread;
        await send.ConfigureAwait(false);
        return inline;
    }

    private static async Task SendLaterAsync(Socket client, CancellationToken cancellationToken)
    {
        await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        await client.SendAsync(new byte[] { 1 }, SocketFlags.None, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The gateway's setting for Kestrel's inline scheduling: <c>1</c>/<c>true</c>/<c>on</c> turns it on.</summary>
    public const string KestrelSettingVariable = "SWITCHBOARD_KESTREL_INLINE";

    /// <summary>
    /// Kestrel's own inline scheduling (<c>SocketTransportOptions.UnsafePreferInlineScheduling</c>: a request's code runs
    /// on the thread that read its bytes, and a flush writes to the socket on the thread that flushed);
    /// <c>SWITCHBOARD_KESTREL_INLINE=1</c>. Off by default: it cut the CPU per call at one connection but lowered
    /// streamed throughput at 32 connections in every measured pair (architecture decision 16, docs/benchmarks.md).
    /// With inline socket completions that thread is a socket engine's: only endpoints marked <see cref="InlineEndpoint"/>
    /// start there.
    /// </summary>
    public static bool KestrelInlineScheduling(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        return environment(KestrelSettingVariable)?.Trim().ToLowerInvariant() is "1" or "true" or "on" or "yes";
    }
}
