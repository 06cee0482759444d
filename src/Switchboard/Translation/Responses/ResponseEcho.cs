namespace Switchboard.Translation.Responses;

/// <summary>
/// The request fields that a <c>response</c> object repeats (<c>instructions</c>, <c>tools</c>, <c>tool_choice</c>,
/// <c>metadata</c>…), each kept as the JSON value the client sent (or the API's default), written as is into every
/// response object of the call without parsing them again.
/// </summary>
internal sealed class ResponseEcho
{
    public static readonly ResponseEcho Empty = new([]);

    public ResponseEcho(IReadOnlyList<(string Name, byte[] Value)> fields) => Fields = fields;

    public IReadOnlyList<(string Name, byte[] Value)> Fields { get; }
}
