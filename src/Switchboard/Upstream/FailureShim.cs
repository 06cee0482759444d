// Temporary stand-in for the failure classifier being built on the `routing` branch (#3); deleted when that merges.
namespace Switchboard.Upstream;

internal enum FailureKind { RateLimited, ConcurrencyLimited, Overloaded, QuotaExhausted, Retryable, Timeout, KeyDisabled, ClientError }

internal sealed record UpstreamFailure(FailureKind Kind, int HttpStatus, string? ProviderCode, string Message, TimeSpan? RetryAfter, DateTimeOffset? CooldownUntil)
{
    public bool IsRetryableOnAnotherDeployment => Kind != FailureKind.ClientError;
}

internal readonly record struct RateLimitHint(DateTimeOffset CooldownUntil, string Reason);

internal static class FailureClassifier
{
    public static UpstreamFailure Classify(string provider, int httpStatus, Func<string, string?> header, ReadOnlySpan<byte> body, DateTimeOffset now)
    {
        var kind = httpStatus switch
        {
            429 => FailureKind.RateLimited,
            401 or 403 => FailureKind.KeyDisabled,
            >= 500 => FailureKind.Retryable,
            _ => FailureKind.ClientError,
        };
        return new UpstreamFailure(kind, httpStatus, null, $"upstream answered {httpStatus}", null, null);
    }

    public static UpstreamFailure FromException(Exception ex, bool timedOut) =>
        new(timedOut ? FailureKind.Timeout : FailureKind.Retryable, timedOut ? 504 : 502, null, timedOut ? "upstream timed out" : "upstream connection failed", null, null);
}

internal static class RateLimitHeaders
{
    public static RateLimitHint? Read(Func<string, string?> header, DateTimeOffset now) => null;
}
