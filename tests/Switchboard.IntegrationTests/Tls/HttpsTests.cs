using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net;
using OpenAI;
using OpenAI.Chat;
using Switchboard.Config;
using Switchboard.IntegrationTests.Infrastructure;

namespace Switchboard.IntegrationTests.Tls;

/// <summary>The gateway serving HTTPS itself (general_settings.ssl_certfile_path / ssl_keyfile_path), called by the official OpenAI client.</summary>
public sealed class HttpsTests : IDisposable
{
    private readonly TestCertificate _certificate = new();

    public void Dispose() => _certificate.Dispose();

    private GatewayConfig Config() => new()
    {
        ModelList = [Configs.Mock("pool", "dep-tls", response: "over tls")],
        General = new GeneralSettings { SslCertfilePath = _certificate.CertPath, SslKeyfilePath = _certificate.KeyPath },
    };

    [Fact]
    public async Task OpenAiClient_OverHttps_ChatAndStreamSucceed()
    {
        await using var gateway = await TestGateway.StartAsync(Config());
        Assert.Equal("https", gateway.BaseUrl.Scheme);
        using var http = new HttpClient(_certificate.TrustingHandler());
        var client = new ChatClient("pool", new ApiKeyCredential("sk-client"), new OpenAIClientOptions
        {
            Endpoint = new Uri(gateway.BaseUrl, "/v1"),
            Transport = new HttpClientPipelineTransport(http),
        });

        var completion = await client.CompleteChatAsync([new UserChatMessage("hello")]);
        Assert.Equal("over tls", completion.Value.Content[0].Text);

        var streamed = new System.Text.StringBuilder();
        await foreach (var update in client.CompleteChatStreamingAsync([new UserChatMessage("hello")]))
        {
            foreach (var part in update.ContentUpdate)
            {
                streamed.Append(part.Text);
            }
        }

        Assert.Equal("over tls", streamed.ToString());
    }

    [Fact]
    public async Task Https_Alpn_NegotiatesHttp2AndHttp11()
    {
        await using var gateway = await TestGateway.StartAsync(Config());
        using var http = new HttpClient(_certificate.TrustingHandler()) { BaseAddress = gateway.BaseUrl };

        using var h2 = await http.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/v1/models") { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact });
        using var h1 = await http.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/v1/models") { Version = HttpVersion.Version11, VersionPolicy = HttpVersionPolicy.RequestVersionExact });

        Assert.Equal(HttpStatusCode.OK, h2.StatusCode);
        Assert.Equal(HttpVersion.Version20, h2.Version);
        Assert.Equal(HttpVersion.Version11, h1.Version);
    }

    [Fact]
    public async Task Https_ClientThatDoesNotTrustTheCertificate_Refused()
    {
        await using var gateway = await TestGateway.StartAsync(Config());
        using var http = new HttpClient { BaseAddress = gateway.BaseUrl };

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync("/v1/models"));
        Assert.IsType<System.Security.Authentication.AuthenticationException>(error.InnerException);

        using var plain = new HttpClient { BaseAddress = new Uri("http://" + gateway.BaseUrl.Authority) };
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => plain.GetStringAsync("/v1/models"));
    }

    [Fact]
    public async Task Https_OnlyTheCertificate_RefusedWithItsReason()
    {
        var config = Config() with { General = new GeneralSettings { SslCertfilePath = _certificate.CertPath } };

        var error = await Assert.ThrowsAsync<Switchboard.Api.TlsSetupException>(() => TestGateway.StartAsync(config));
        Assert.Contains("ssl_keyfile_path", error.Message, StringComparison.Ordinal);
    }
}
