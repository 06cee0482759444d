namespace Switchboard.Upstream;

/// <summary>An upstream stream sent nothing for longer than <c>stream_idle_timeout</c>: a stalled upstream, counted as a timeout.</summary>
internal sealed class StreamIdleTimeoutException : IOException
{
    public StreamIdleTimeoutException()
        : base("the upstream stream stalled")
    {
    }

    public StreamIdleTimeoutException(string message)
        : base(message)
    {
    }

    public StreamIdleTimeoutException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public StreamIdleTimeoutException(TimeSpan idleTimeout, Exception? inner)
        : base(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"the upstream stream sent nothing for {idleTimeout.TotalSeconds:0.###} s (stream_idle_timeout)"), inner)
    {
        IdleTimeout = idleTimeout;
    }

    public TimeSpan IdleTimeout { get; }
}
