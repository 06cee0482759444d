using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Switchboard.Admin;
using Switchboard.Admission;
using Switchboard.Auth;
using Switchboard.Storage;

namespace Switchboard.IntegrationTests.Storage;

/// <summary>A minimal gateway with only the admin key and spend endpoints, on 127.0.0.1 and a free port.</summary>
internal sealed class AdminTestHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private AdminTestHost(WebApplication app, HttpClient client)
    {
        _app = app;
        Client = client;
    }

    public HttpClient Client { get; }

    public IServiceProvider Services => _app.Services;

    public AuthService Auth => _app.Services.GetRequiredService<AuthService>();

    public AdmissionController Admission => _app.Services.GetRequiredService<AdmissionController>();

    public static async Task<AdminTestHost> StartAsync(string? masterKey, IGatewayStore store, TimeProvider time)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(store);
        builder.Services.AddSingleton(time);
        builder.Services.AddSingleton(new AuthService(masterKey, store, time, NullLogger<AuthService>.Instance));
        builder.Services.AddSingleton(new AdmissionController(store, time, NullLogger<AdmissionController>.Instance));
        var app = builder.Build();
        app.MapKeyManagementEndpoints();
        app.MapSpendEndpoints();
        await app.StartAsync();
        var client = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
        if (masterKey is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", masterKey);
        }

        return new AdminTestHost(app, client);
    }

    public async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(string path, string json, string? bearer = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        return await SendAsync(request);
    }

    public async Task<(HttpStatusCode Status, JsonElement Body)> GetAsync(string path, string? bearer = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        return await SendAsync(request);
    }

    private async Task<(HttpStatusCode, JsonElement)> SendAsync(HttpRequestMessage request)
    {
        using var response = await Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        using var document = JsonDocument.Parse(text.Length == 0 ? "null" : text);
        return (response.StatusCode, document.RootElement.Clone());
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
