namespace Switchboard.Observability;

/// <summary>The fields of the request log line (event 100 of <c>Switchboard.Api</c>), one per proxied call.</summary>
internal readonly record struct RequestLine(
    string Method,
    string Path,
    int Status,
    string? Model,
    string? Group,
    string? Deployment,
    int Retries,
    bool Stream,
    double DurationMs,
    double OverheadMs,
    string CallId)
{
    /// <summary>
    /// Whether a text field holds UTF-16 surrogates: those lines go through the logger, whose handling of a lone one (the
    /// text encoder's replacement, the JSON writer's refusal) the direct writer does not copy.
    /// </summary>
    public bool HasSurrogates() =>
        HasSurrogates(Method) || HasSurrogates(Path) || HasSurrogates(Model) || HasSurrogates(Group) || HasSurrogates(Deployment) || HasSurrogates(CallId);

    private static bool HasSurrogates(string? text) => text is not null && text.AsSpan().ContainsAnyInRange('\uD800', '\uDFFF');
}
