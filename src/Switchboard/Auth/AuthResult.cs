namespace Switchboard.Auth;

/// <summary>Either a <see cref="Caller"/>, or a status (401, or 503 when the key store is unreachable) and a message to send in the caller's API format.</summary>
internal sealed record AuthResult
{
    public Caller? Caller { get; init; }
    public int StatusCode { get; init; } = 200;
    public string? Error { get; init; }

    /// <summary>No key was sent at all: the caller's API names the ways its clients send one (Gemini's are not the others').</summary>
    public bool KeyMissing { get; init; }

    public bool Succeeded => Caller is not null;

    public static AuthResult Success(Caller caller) => new() { Caller = caller };

    public static AuthResult Failure(int statusCode, string error) => new() { StatusCode = statusCode, Error = error };
}
