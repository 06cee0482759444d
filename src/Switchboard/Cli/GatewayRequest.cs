using System.Text;

namespace Switchboard.Cli;

/// <summary>
/// One call from a command that talks to a running gateway's admin API directly (<c>status</c>, <c>top</c>, <c>reload</c>,
/// <c>deployments enable</c>): the master key as a bearer token, the body read whole, any answer but a 2xx written as an
/// <c>error:</c> line. A gateway that does not answer at all (<see cref="HttpRequestException"/>) is the caller's to word.
/// </summary>
internal static class GatewayRequest
{
    /// <returns>The answer's body, or null after writing the error line for a status that is not a success.</returns>
    public static async Task<byte[]?> SendAsync(
        HttpClient client, HttpMethod method, string url, string path, string? masterKey, TextWriter errors, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, url.TrimEnd('/') + path);
        if (!string.IsNullOrEmpty(masterKey))
        {
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + masterKey);
        }

        using var response = await client.SendAsync(request, ct);
        var body = await response.Content.ReadAsByteArrayAsync(ct);
        if (!response.IsSuccessStatusCode)
        {
            await errors.WriteLineAsync($"error: {url} answered {(int)response.StatusCode}: {Encoding.UTF8.GetString(body)}");
            return null;
        }

        return body;
    }
}
