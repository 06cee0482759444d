using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Switchboard.Storage;

namespace Switchboard.Cli;

/// <summary>The admin API of a running gateway, called with the master key.</summary>
internal sealed class CliHttpBackend : CliBackend
{
    private const int PageSize = 1000;
    private readonly HttpClient _client;
    private readonly string _url;
    private readonly string? _masterKey;

    public CliHttpBackend(string url, string? masterKey, HttpMessageHandler? handler = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(url);
        _url = url.TrimEnd('/');
        if (!Uri.TryCreate(_url + "/", UriKind.Absolute, out var baseUri) || (baseUri.Scheme != Uri.UriSchemeHttp && baseUri.Scheme != Uri.UriSchemeHttps))
        {
            throw new CliException($"--url '{url}' is not an http:// or https:// URL.", 2);
        }

        _masterKey = string.IsNullOrEmpty(masterKey) ? null : masterKey;
        _client = handler is null ? new HttpClient() : new HttpClient(handler);
        _client.BaseAddress = baseUri;
        _client.Timeout = TimeSpan.FromSeconds(30);
    }

    public override string Description => _url;

    public override bool IsLive => true;

    public override async Task<(string RawKey, VirtualKeyRecord Key)> CreateKeyAsync(byte[] generateBody, CancellationToken cancellationToken)
    {
        var content = new ByteArrayContent(generateBody);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var (_, body) = await SendAsync(HttpMethod.Post, "key/generate", content, allowNotFound: false, cancellationToken);
        using var doc = JsonDocument.Parse(body!);
        var raw = doc.RootElement.GetProperty("key").GetString()!;
        return (raw, CliJson.ReadKey(doc.RootElement));
    }

    public override async Task<VirtualKeyRecord?> GetKeyByHashAsync(string keyHash, CancellationToken cancellationToken)
    {
        var (_, body) = await SendAsync(HttpMethod.Get, "key/info?key=" + Uri.EscapeDataString(keyHash), null, allowNotFound: true, cancellationToken);
        if (body is null)
        {
            return null;
        }

        using var doc = JsonDocument.Parse(body);
        return CliJson.ReadKey(doc.RootElement.GetProperty("info"), keyHash);
    }

    public override async Task<IReadOnlyList<VirtualKeyRecord>> ListKeysAsync(CancellationToken cancellationToken)
    {
        List<VirtualKeyRecord> keys = [];
        for (var page = 1; ; page++)
        {
            var path = string.Create(CultureInfo.InvariantCulture, $"key/list?return_full_object=true&page={page}&size={PageSize}");
            var (_, body) = await SendAsync(HttpMethod.Get, path, null, allowNotFound: false, cancellationToken);
            using var doc = JsonDocument.Parse(body!);
            var items = doc.RootElement.GetProperty("keys");
            keys.AddRange(items.EnumerateArray().Where(k => k.ValueKind == JsonValueKind.Object).Select(k => CliJson.ReadKey(k)));
            var totalPages = doc.RootElement.TryGetProperty("total_pages", out var t) && t.TryGetInt32(out var n) ? n : page;
            if (page >= totalPages || items.GetArrayLength() == 0)
            {
                return keys;
            }
        }
    }

    public override async Task<IReadOnlyList<string>> DeleteKeysAsync(IReadOnlyList<string> keyHashes, CancellationToken cancellationToken)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("keys");
            foreach (var hash in keyHashes)
            {
                writer.WriteStringValue(hash);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        var content = new ByteArrayContent(stream.ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var (_, body) = await SendAsync(HttpMethod.Post, "key/delete", content, allowNotFound: true, cancellationToken);
        if (body is null)
        {
            return [];
        }

        using var doc = JsonDocument.Parse(body);
        return [.. doc.RootElement.GetProperty("deleted_keys").EnumerateArray().Select(k => k.GetString() ?? "")];
    }

    public override async Task<IReadOnlyList<UsageRecord>> GetUsageAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        List<UsageRecord> records = [];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var page = 1; ; page++)
        {
            var path = string.Create(CultureInfo.InvariantCulture,
                $"spend/logs?start_date={Iso(from)}&end_date={Iso(to)}&page={page}&page_size={PageSize}");
            var (headers, body) = await SendAsync(HttpMethod.Get, path, null, allowNotFound: false, cancellationToken);
            using var doc = JsonDocument.Parse(body!);
            var count = 0;
            foreach (var item in doc.RootElement.EnumerateArray())
            {
                count++;
                var record = CliJson.ReadUsage(item);

                // Records written while we page shift the offsets; a record seen twice must count once.
                if (record.RequestId.Length == 0 || seen.Add(record.RequestId + "\n" + record.Time.UtcTicks.ToString(CultureInfo.InvariantCulture)))
                {
                    records.Add(record);
                }
            }

            var totalPages = headers!.TryGetValues("x-total-pages", out var values) &&
                int.TryParse(values.FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : page;
            if (page >= totalPages || count == 0)
            {
                return records;
            }
        }
    }

    public override ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }

    private static string Iso(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    /// <summary>The body of a 2xx answer; null for a 404 when <paramref name="allowNotFound"/>; a <see cref="CliException"/> otherwise.</summary>
    private async Task<(HttpResponseHeaders? Headers, byte[]? Body)> SendAsync(
        HttpMethod method, string path, HttpContent? content, bool allowNotFound, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        if (_masterKey is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _masterKey);
        }

        HttpResponseMessage response;
        try
        {
            response = await _client.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new CliException(
                $"no gateway answering at {_url} ({e.Message}). Start it (./scripts/start-litellm-proxy.sh start), pass --url, " +
                "or use --config FILE to work on the database directly.", e);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CliException($"the gateway at {_url} did not answer within {_client.Timeout.TotalSeconds:0} s.", e);
        }

        using (response)
        {
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                return (response.Headers, body);
            }

            if (response.StatusCode == HttpStatusCode.NotFound && allowNotFound)
            {
                return (response.Headers, null);
            }

            var message = CliJson.ErrorMessage(body);
            throw response.StatusCode switch
            {
                HttpStatusCode.Unauthorized => new CliException(_masterKey is null
                    ? $"the gateway at {_url} needs the master key (401): pass --master-key or set LITELLM_MASTER_KEY."
                    : $"the gateway at {_url} refused the master key (401): {message}"),
                HttpStatusCode.Forbidden => new CliException($"the gateway at {_url} refused (403): {message}"),
                _ => new CliException(string.Create(CultureInfo.InvariantCulture, $"{_url} answered {(int)response.StatusCode}: {message}")),
            };
        }
    }
}
