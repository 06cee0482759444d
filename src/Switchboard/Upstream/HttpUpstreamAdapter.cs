using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
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

    public async Task<UpstreamResponse> SendAsync(DeploymentConfig deployment, UpstreamRequest request, CancellationToken ct)
    {
        var invoker = _invokers.GetOrAdd(Origin(deployment.ApiBase), static _ => CreateInvoker());
        using var message = new HttpRequestMessage(HttpMethod.Post, BuildUri(deployment.ApiBase, request.Path))
        {
            Version = HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionOrHigher,
        };
        var content = new ReadOnlyMemoryContent(request.Body);
        content.Headers.ContentType = JsonContentType;
        message.Content = content;
        ApplyAuth(deployment, message);
        foreach (var (name, value) in deployment.ExtraHeaders)
        {
            message.Headers.TryAddWithoutValidation(name, value);
        }

        if (request.Stream)
        {
            message.Headers.Accept.ParseAdd("text/event-stream");
        }

        var response = await invoker.SendAsync(message, ct);
        try
        {
            var body = await response.Content.ReadAsStreamAsync(ct);
            return new UpstreamResponse(response, body);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    private static void ApplyAuth(DeploymentConfig deployment, HttpRequestMessage message)
    {
        if (string.IsNullOrEmpty(deployment.ApiKey))
        {
            return;
        }

        if (deployment.Provider == Providers.Anthropic)
        {
            message.Headers.TryAddWithoutValidation("x-api-key", deployment.ApiKey);
            message.Headers.TryAddWithoutValidation("anthropic-version", deployment.ApiVersion ?? "2023-06-01");
        }
        else
        {
            message.Headers.TryAddWithoutValidation("Authorization", "Bearer " + deployment.ApiKey);
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
