namespace Switchboard.Cache;

/// <summary>
/// The cache backend cannot be reached for an admin operation (<c>/cache/delete</c>): answered as a 503, never as a 500.
/// The message names the backend, never its password.
/// </summary>
internal sealed class CacheUnavailableException : Exception
{
    public CacheUnavailableException()
    {
    }

    public CacheUnavailableException(string message)
        : base(message)
    {
    }

    public CacheUnavailableException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
