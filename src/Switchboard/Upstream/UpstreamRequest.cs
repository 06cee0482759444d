namespace Switchboard.Upstream;

/// <summary>What the attempt loop asks an upstream adapter to send: a path below the deployment's base URL and a ready body.</summary>
internal readonly record struct UpstreamRequest(string Path, ReadOnlyMemory<byte> Body, bool Stream);
