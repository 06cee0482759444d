namespace Switchboard.Storage;

/// <summary>
/// The usage database cannot be opened or its schema checked when the gateway starts: it does not start. The message
/// names the database (<see cref="GatewayStoreFactory.DescribeForPeople"/>: never a password) and the driver's reason.
/// </summary>
internal sealed class StoreUnavailableException : Exception
{
    public StoreUnavailableException()
    {
    }

    public StoreUnavailableException(string message)
        : base(message)
    {
    }

    public StoreUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Whether <paramref name="e"/> is a failure to reach or open the database, as opposed to a bug.</summary>
    public static bool IsStoreFailure(Exception e) =>
        e is System.Data.Common.DbException or IOException or UnauthorizedAccessException or TimeoutException
            or System.Net.Sockets.SocketException;
}
