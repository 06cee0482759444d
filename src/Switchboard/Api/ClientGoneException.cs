namespace Switchboard.Api;

/// <summary>
/// Writing to the client failed (it hung up or its connection broke). Raised by the relays so that the attempt loop can
/// tell a client's failure from the upstream's: only the latter counts against a deployment (architecture decision 11).
/// </summary>
internal sealed class ClientGoneException : IOException
{
    public ClientGoneException()
        : base("the client went away")
    {
    }

    public ClientGoneException(string message)
        : base(message)
    {
    }

    public ClientGoneException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
