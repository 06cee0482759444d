namespace Switchboard.Storage;

/// <summary>A key with the same hash or alias exists already.</summary>
public sealed class DuplicateKeyException : Exception
{
    public DuplicateKeyException()
    {
    }

    public DuplicateKeyException(string message) : base(message)
    {
    }

    public DuplicateKeyException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
