namespace Switchboard.Models;

/// <summary>The stored deployments cannot be used (their secrets do not decrypt with the salt key in force): the gateway must not start.</summary>
public sealed class StoredModelsException : Exception
{
    public StoredModelsException()
    {
    }

    public StoredModelsException(string message) : base(message)
    {
    }

    public StoredModelsException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
