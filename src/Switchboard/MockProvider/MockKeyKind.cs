namespace Switchboard.MockProvider;

/// <summary>What a key's prefix asks the mock to do.</summary>
internal enum MockKeyKind
{
    /// <summary><c>ok-*</c> and any unknown prefix: a normal answer naming the key.</summary>
    Ok,

    /// <summary><c>rl-*</c>: 429 with <c>Retry-After: 30</c>.</summary>
    RateLimited,

    /// <summary><c>err-*</c>: 500.</summary>
    ServerError,

    /// <summary><c>slow-*</c>: a normal answer after <see cref="MockProviderOptions.SlowDelay"/>.</summary>
    Slow,

    /// <summary><c>flaky-*</c>: odd calls succeed, even calls get 503.</summary>
    Flaky,

    /// <summary><c>auth-*</c> or no key at all: 401.</summary>
    Unauthorized,

    /// <summary><c>hdr-*</c>: a normal answer that says the request budget is spent (<c>x-ratelimit-remaining-requests: 0</c>).</summary>
    BudgetHeaders,

    /// <summary><c>zai&lt;CODE&gt;-*</c>: Z.ai's status and business-code body.</summary>
    ZaiError,

    /// <summary><c>zaiok&lt;CODE&gt;-*</c>: Z.ai's business-code body under HTTP 200, as some of its gateways answer.</summary>
    ZaiErrorIn200,

    /// <summary><c>conc&lt;N&gt;-*</c>: an account that allows N calls in flight; one more gets Z.ai 1302.</summary>
    Concurrency,

    /// <summary>
    /// <c>lim&lt;N&gt;w&lt;S&gt;-*</c>: at most N answered calls per fixed S-second window (the window starts at the first
    /// call after the last one ended), then 429 with Z.ai code 1303 and no rate-limit headers, like GLM.
    /// </summary>
    WindowLimit,

    /// <summary><c>limh&lt;N&gt;w&lt;S&gt;-*</c>: as <see cref="WindowLimit"/>, and every answer carries <c>x-ratelimit-*-requests</c>.</summary>
    WindowLimitHeaders,

    /// <summary><c>html-*</c>: 200 with an HTML page (<c>text/html</c>), as a CDN or captive proxy in front of a provider answers.</summary>
    HtmlPage,

    /// <summary><c>trunc-*</c>: 200 <c>application/json</c> whose body stops in the middle of the JSON.</summary>
    TruncatedJson,

    /// <summary><c>ctype-*</c>: 200 <c>text/plain</c> with a body that is not JSON.</summary>
    WrongContentType,

    /// <summary>
    /// <c>cut-*</c>: a stream that stops half-way, without <c>finish_reason</c>/<c>[DONE]</c> (OpenAI) or <c>message_stop</c>
    /// (Anthropic); an answer with tool calls stops in the middle of the last call's arguments. Non-stream answers are normal.
    /// </summary>
    CutStream,

    /// <summary><c>stall-*</c>: a stream that sends its first chunk, then nothing until the client goes. Non-stream answers are normal.</summary>
    StallStream,

    /// <summary>
    /// <c>stallbody-*</c>: 200 <c>application/json</c> whose body stops after its first bytes (fewer than its
    /// <c>Content-Length</c>) and then sends nothing until the client goes.
    /// </summary>
    StallBody,

    /// <summary><c>echo&lt;STATUS&gt;-*</c>: that status, with the key itself in the error text (<see cref="MockSecretFaults"/>).</summary>
    EchoKey,

    /// <summary><c>echomid-*</c>: a stream that breaks with an error event carrying the key.</summary>
    EchoKeyMidStream,

    /// <summary><c>endless-*</c>: a stream whose first event never ends.</summary>
    EndlessEvent,

    /// <summary>
    /// <c>errdone-*</c>: a stream that reports a failure in an error event and goes on as if nothing happened: OpenAI's
    /// <c>{"error":…}</c> chunk (Z.ai code 1302) then <c>[DONE]</c>; Anthropic's <c>error</c> event (overloaded) then more
    /// deltas and <c>message_stop</c>. Answers only as a stream.
    /// </summary>
    ErrorThenEnd,

    /// <summary>
    /// <c>pyjson-*</c>: a normal stream written as a Python upstream writes it: <c>json.dumps</c> spacing
    /// (<c>"choices": []</c>), bare CR line ends, the usage chunk whether asked for or not. Answers only as a stream.
    /// </summary>
    PythonStyleStream,
}
