using Yarp.ReverseProxy.Configuration;

// usage: YarpPeer --port N --destination http://127.0.0.1:M/
// Same host choices as the gateway where they matter for a fair comparison: Kestrel on loopback, slim builder, no
// request logging, server GC off (the gateway's default too).
var port = ArgValue(args, "--port") ?? "5000";
var destination = ArgValue(args, "--destination") ?? throw new ArgumentException("--destination is required");

var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"] });
builder.Logging.ClearProviders();
builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
builder.Services.AddReverseProxy().LoadFromMemory(
    [new RouteConfig { RouteId = "all", ClusterId = "mock", Match = new RouteMatch { Path = "{**catch-all}" } }],
    [new ClusterConfig { ClusterId = "mock", Destinations = new Dictionary<string, DestinationConfig> { ["mock"] = new() { Address = destination } } }]);

var app = builder.Build();
app.MapReverseProxy();
app.Run();

static string? ArgValue(string[] args, string name)
{
    var at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
}
