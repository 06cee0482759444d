using System.Text;
using Microsoft.AspNetCore.Http;
using Switchboard.Api;
using Switchboard.Config;
using Switchboard.Routing;

namespace Switchboard.Tests.Api;

/// <summary>What the call tests of the Api room build the same way: a read request body and a deployment of a provider.</summary>
internal static class CallTestData
{
    public static async Task<RequestBody> BodyAsync(string json)
    {
        var context = new DefaultHttpContext();
        var bytes = Encoding.UTF8.GetBytes(json);
        context.Request.Body = new MemoryStream(bytes);
        context.Request.ContentLength = bytes.Length;
        return (await RequestBody.ReadAsync(context.Request, 1 << 20, CancellationToken.None))!;
    }

    public static Deployment DeploymentOf(string provider) => new(new DeploymentConfig
    {
        Index = 0,
        ModelName = "group",
        Id = "d-" + provider,
        Provider = provider,
        UpstreamModel = "up-model",
        ApiBase = "http://127.0.0.1:1",
    }, "group", 0);
}
