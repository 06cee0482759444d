using System.Globalization;
using System.Text;
using System.Text.Json;
using Switchboard.Observability;

namespace Switchboard.Upstream;

/// <summary>Turns an upstream's error answer or a transport exception into an <see cref="UpstreamFailure"/>.</summary>
internal static class FailureClassifier
{
    private const int MaxMessageChars = 500;

    /// <summary>
    /// Classifies an error answer. Z.ai business codes win whatever <paramref name="provider"/> says (GLM is often set up
    /// as <c>openai/</c>); otherwise the HTTP status decides.
    /// </summary>
    /// <param name="secrets">Masks any configured key the body echoes, before the message is cut (architecture decision 8).</param>
    public static UpstreamFailure Classify(string provider, int httpStatus, Func<string, string?> header, ReadOnlySpan<byte> body, DateTimeOffset now,
        SecretRedactor? secrets = null)
    {
        ArgumentNullException.ThrowIfNull(header);
        var (code, type, message) = ReadError(body);
        secrets ??= SecretRedactor.Empty;
        code = code is null ? null : secrets.RedactAndTruncate(code, MaxMessageChars);
        type = type is null ? null : secrets.RedactAndTruncate(type, MaxMessageChars);
        message = message is null ? $"upstream answered HTTP {httpStatus.ToString(CultureInfo.InvariantCulture)}" : secrets.RedactAndTruncate(message, MaxMessageChars);
        var retryAfter = ReadRetryAfter(header, now);

        if (ZaiErrorCodes.KindOf(code) is { } zaiKind)
        {
            var until = zaiKind == FailureKind.QuotaExhausted ? ZaiErrorCodes.QuotaResetFor(code!, message, now) : null;
            return new UpstreamFailure(zaiKind, httpStatus, code, message, retryAfter, until) { Window = RateLimitHeaders.ReadRequestWindow(header, now) };
        }

        var kind = KindOfStatus(httpStatus, type);
        DateTimeOffset? cooldownUntil = kind == FailureKind.RateLimited ? RateLimitHeaders.Read(header, now)?.CooldownUntil : null;
        return new UpstreamFailure(kind, httpStatus, code ?? type, message, retryAfter, cooldownUntil) { Window = RateLimitHeaders.ReadRequestWindow(header, now) };
    }

    /// <summary>A call that got no answer: timeouts are <see cref="FailureKind.Timeout"/>; refused/reset connections
    /// (<see cref="HttpRequestException"/>, <see cref="IOException"/>) and anything else are retryable.</summary>
    /// <remarks>A cancellation that is not a timeout is the caller's own doing: it changes no deployment's health.</remarks>
    public static UpstreamFailure FromException(Exception ex, bool timedOut, SecretRedactor? secrets = null)
    {
        ArgumentNullException.ThrowIfNull(ex);
        if (timedOut)
        {
            return new UpstreamFailure(FailureKind.Timeout, 0, null, "upstream timed out", null, null);
        }

        return ex switch
        {
            OperationCanceledException => new UpstreamFailure(FailureKind.ClientError, 0, null, "call cancelled by the client", null, null),
            _ => new UpstreamFailure(FailureKind.Retryable, 0, null, (secrets ?? SecretRedactor.Empty).RedactAndTruncate(ex.Message, MaxMessageChars), null, null),
        };
    }

    /// <summary>The class an HTTP status implies when the body carries no code we know.</summary>
    public static FailureKind KindOfStatus(int httpStatus, string? errorType = null) => httpStatus switch
    {
        429 => FailureKind.RateLimited,
        529 => FailureKind.Overloaded,
        401 or 403 => FailureKind.KeyDisabled,
        408 => FailureKind.Timeout,
        409 => FailureKind.Retryable,
        >= 500 when errorType == "overloaded_error" => FailureKind.Overloaded,
        >= 500 => FailureKind.Retryable,
        >= 400 => FailureKind.ClientError,

        // A 1xx or 3xx as the final answer of an API call is a moved or intercepted endpoint (redirects are not followed:
        // the key would go with them), the deployment's fault, not the request's.
        _ => FailureKind.Retryable,
    };

    /// <summary><c>Retry-After</c> as seconds or an HTTP date; also <c>retry-after-ms</c> (OpenAI, Anthropic). At most
    /// <see cref="RateLimitHeaders.MaxWait"/>; a value that is no wait (NaN, negative) is ignored.</summary>
    public static TimeSpan? ReadRetryAfter(Func<string, string?> header, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(header);
        if (header("retry-after-ms") is { } ms && double.TryParse(ms, NumberStyles.Float, CultureInfo.InvariantCulture, out var msValue)
            && RateLimitHeaders.Wait(msValue) is { } msWait)
        {
            return msWait;
        }

        var value = header("retry-after")?.Trim();
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
        {
            return RateLimitHeaders.Wait(seconds * 1000);
        }

        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
        {
            return at > now ? RateLimitHeaders.NoLaterThanMaxWait(at, now) - now : TimeSpan.Zero;
        }

        return null;
    }

    /// <summary>Reads <c>error.code</c> (string or number), <c>error.type</c> and <c>error.message</c>; tolerates any body.
    /// Nothing is cut here: the caller redacts first, then cuts.</summary>
    internal static (string? Code, string? Type, string? Message) ReadError(ReadOnlySpan<byte> body)
    {
        if (body.IsEmpty)
        {
            return default;
        }

        try
        {
            var reader = new Utf8JsonReader(body);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return (null, null, Encoding.UTF8.GetString(body));
            }

            string? code = null, type = null, message = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("error"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.String)
                    {
                        message = reader.GetString();
                        continue;
                    }

                    if (reader.TokenType != JsonTokenType.StartObject)
                    {
                        reader.Skip();
                        continue;
                    }

                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        var name = reader.ValueTextEquals("code"u8) ? 1 : reader.ValueTextEquals("type"u8) ? 2 : reader.ValueTextEquals("message"u8) ? 3 : 0;
                        reader.Read();
                        var text = reader.TokenType switch
                        {
                            JsonTokenType.String => reader.GetString(),
                            JsonTokenType.Number => Encoding.UTF8.GetString(reader.ValueSpan),
                            _ => null,
                        };
                        if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                        {
                            reader.Skip();
                        }

                        switch (name)
                        {
                            case 1: code = text; break;
                            case 2: type = text; break;
                            case 3: message = text; break;
                        }
                    }
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            return (code, type, message);
        }
        catch (JsonException)
        {
            return (null, null, Encoding.UTF8.GetString(body));
        }
    }
}
