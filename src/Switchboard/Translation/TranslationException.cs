namespace Switchboard.Translation;

/// <summary>The client's request cannot be translated; the endpoint answers 400 <c>invalid_request_error</c> with this message.</summary>
public sealed class TranslationException : Exception
{
    public TranslationException()
    {
    }

    public TranslationException(string message)
        : base(message)
    {
    }

    public TranslationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
