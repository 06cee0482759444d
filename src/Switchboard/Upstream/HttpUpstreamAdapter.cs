using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using Switchboard.Config;

namespace Switchboard.Upstream;

/// <summary>
/// Sends to OpenAI-compatible (openai/, zai/) and Anthropic-format (anthropic/) endpoints. One pooled
/// <see cref="SocketsHttpHandler"/> per base URL (architecture decision 4); no hidden retries underneath.
/// </summary>
internal sealed class HttpUpstreamAdapter : IUpstreamAdapter, IDisposable
{
    private static readonly MediaTypeHeaderValue JsonContentType = new("application/json");
    private readonly ConcurrentDictionary<string, HttpMessageInvoker> _invokers = new(StringComparer.Ordinal);

    // Per (api_base, path): the parsed URI and its origin's invoker, so that a call parses and concatenates nothing.
    // The key is a record struct, not a tuple: under Native AOT a tuple of strings hashes and compares through shared
    // generic code (docs/benchmarks.md, "Native AOT against ReadyToRun, profiled").
    private readonly ConcurrentDictionary<TargetKey, Target> _targets = new();

    // Per API key: the Authorization value, built once ("Bearer " + key was a new string per call).
    private readonly ConcurrentDictionary<string, string> _bearers = new(StringComparer.Ordinal);

    private sealed record Target(Uri Uri, HttpMessageInvoker Invoker);

    private readonly record struct TargetKey(string ApiBase, string Path);

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<UpstreamResponse> SendAsync(DeploymentConfig deployment, UpstreamRequest request, CancellationToken ct)
    {
        var target = _targets.GetOrAdd(new TargetKey(deployment.ApiBase, request.Path), static (key, invokers) =>
            new Target(BuildUri(key.ApiBase, key.Path), invokers.GetOrAdd(Origin(key.ApiBase), static _ => CreateInvoker())), _invokers);
        var invoker = target.Invoker;
        using var message = new HttpRequestMessage(HttpMethod.Post, target.Uri)
        {
            Version = HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionOrHigher,
        };
        var content = new ReadOnlyMemoryContent(request.Body);
        content.Headers.ContentType = JsonContentType;
        message.Content = content;
        ApplyAuth(deployment, message, request);
        if (deployment.ExtraHeaders.Count > 0) // no boxed enumerator for the usual none
        {
            foreach (var (name, value) in deployment.ExtraHeaders)
            {
                message.Headers.TryAddWithoutValidation(name, value);
            }
        }

        if (request.Stream)
        {
            message.Headers.Accept.ParseAdd("text/event-stream");
        }

        var response = await invoker.SendAsync(message, ct);
        try
        {
            // The synchronous read: the handler's content hands over its connection stream at once (headers are in), and
            // the asynchronous one wraps that in a Task per call.
            var body = response.Content.ReadAsStream(ct);
            return new UpstreamResponse(response, body);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    private void ApplyAuth(DeploymentConfig deployment, HttpRequestMessage message, in UpstreamRequest request)
    {
        if (deployment.Provider == Providers.Anthropic)
        {
            // The client's betas go on with its body (context_management, a system message among messages… are refused
            // without theirs); the deployment's api_version wins over the client's version, which wins over the default.
            message.Headers.TryAddWithoutValidation("anthropic-version", deployment.ApiVersion ?? request.AnthropicVersion ?? "2023-06-01");
            if (request.AnthropicBeta is { Length: > 0 } beta)
            {
                message.Headers.TryAddWithoutValidation("anthropic-beta", beta);
            }
        }

        if (string.IsNullOrEmpty(deployment.ApiKey))
        {
            return;
        }

        if (deployment.Provider == Providers.Anthropic)
        {
            message.Headers.TryAddWithoutValidation("x-api-key", deployment.ApiKey);
        }
        else
        {
            message.Headers.TryAddWithoutValidation("Authorization", _bearers.GetOrAdd(deployment.ApiKey, static key => "Bearer " + key));
        }
    }

    internal static Uri BuildUri(string apiBase, string path)
    {
        var trimmed = apiBase.TrimEnd('/');
        return new Uri(trimmed + path, UriKind.Absolute);
    }

    private static string Origin(string apiBase)
    {
        var uri = new Uri(apiBase, UriKind.Absolute);
        return uri.GetLeftPart(UriPartial.Authority);
    }

    private static HttpMessageInvoker CreateInvoker() => new(new SocketsHttpHandler
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
        ConnectTimeout = TimeSpan.FromSeconds(10),
        AutomaticDecompression = DecompressionMethods.None,
        UseCookies = false,
        UseProxy = false,
        AllowAutoRedirect = false,
        EnableMultipleHttp2Connections = true,
        MaxConnectionsPerServer = int.MaxValue,
    }, disposeHandler: true);

    public void Dispose()
    {
        foreach (var invoker in _invokers.Values)
        {
            invoker.Dispose();
        }
    }
}
