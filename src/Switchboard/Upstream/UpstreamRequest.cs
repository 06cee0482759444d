namespace Switchboard.Upstream;

/// <summary>
/// What the attempt loop asks an upstream adapter to send: a path below the deployment's base URL and a ready body; for
/// an <c>anthropic/</c> deployment on passthrough also the client's <c>anthropic-beta</c> and <c>anthropic-version</c>
/// (null when it sent none), which the features in its body depend on.
/// </summary>
internal readonly record struct UpstreamRequest(string Path, ReadOnlyMemory<byte> Body, bool Stream, string? AnthropicBeta = null, string? AnthropicVersion = null);
