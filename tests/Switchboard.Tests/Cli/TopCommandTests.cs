using System.Net;
using System.Net.Sockets;
using System.Text;
using Switchboard.Cli;
using Switchboard.Routing;
using Switchboard.Upstream;

namespace Switchboard.Tests.Cli;

public sealed class TopCommandTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 30, 10, 15, 42, TimeSpan.Zero);

    private static UsageSnapshot Usage(long requests, long failures = 0, long in_ = 0, long out_ = 0) =>
        new(requests, requests - failures, failures, new Dictionary<FailureKind, long>(), failures, in_, out_);

    private static DeploymentStatus Deployment(string id, string key) => new()
    {
        Id = id,
        Group = "glm-pool",
        Provider = "openai",
        Model = "glm-4.6",
        ApiBase = "https://api.z.ai/api/paas/v4",
        MaskedKey = key,
        Total = Usage(0),
        CurrentMinute = Usage(0),
    };

    private static RouterStatus Status(params DeploymentStatus[] deployments) =>
        new(At, "simple-shuffle", [new GroupStatus("glm-pool", 3, deployments)]);

    [Fact]
    public void Render_CoolingKey_ShowsCountdownReasonAndQueue()
    {
        var cooling = Deployment("dep-1", "sk-…a1b2") with
        {
            CoolingDown = true,
            CooldownSecondsLeft = 26.2,
            CooldownReason = "rate_limited",
            Total = Usage(10, 4),
            LastError = "429 Too Many Requests",
        };

        var screen = TopCommand.Render(Status(cooling), "http://localhost:4000", 200);

        Assert.Contains("glm-pool   queue: 3", screen, StringComparison.Ordinal);
        var row = screen.Split('\n').Single(l => l.StartsWith("dep-1", StringComparison.Ordinal));
        Assert.Contains("sk-…a1b2", row, StringComparison.Ordinal);
        Assert.Contains("cooling 27s rate_limited", row, StringComparison.Ordinal);
        Assert.EndsWith("429 Too Many Requests", row, StringComparison.Ordinal);
        Assert.Contains("10:15:42 UTC", screen, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_Limits_ShowUseAgainstLimit()
    {
        var busy = Deployment("dep-2", "…zz99") with
        {
            InFlight = 2,
            MaxParallelRequests = 5,
            Rpm = 60,
            Tpm = 100_000,
            CurrentMinute = Usage(12, 0, 900, 100),
            LatencyP50Ms = 812.4,
            LatencyP95Ms = 1500.6,
            TtftP50Ms = 120,
        };

        var row = TopCommand.Render(Status(busy), "u", 200).Split('\n').Single(l => l.StartsWith("dep-2", StringComparison.Ordinal));

        Assert.Equal(["dep-2", "…zz99", "ok", "2/5", "12/60", "1000/100000", "0", "0", "0", "812", "1501", "120"],
            row.Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Render_NarrowTerminal_CutsLines()
    {
        var d = Deployment("dep-3", "…k3k3") with { LastError = new string('x', 300) };

        var screen = TopCommand.Render(Status(d), "u", 60);

        Assert.All(screen.Split('\n'), line => Assert.True(line.Length <= 60, line));
        Assert.Contains(screen.Split('\n'), l => l.EndsWith('…'));
    }

    [Fact]
    public void State_DisabledAndPaced_Named()
    {
        Assert.Equal("disabled", TopCommand.State(Deployment("a", "k") with { Disabled = true, CoolingDown = true }));
        Assert.Equal("paced 2s", TopCommand.State(Deployment("a", "k") with { PacedSecondsLeft = 1.5 }));
        Assert.Equal("ok", TopCommand.State(Deployment("a", "k")));
    }

    [Fact]
    public async Task RunAsync_QPressed_DrawsOnceAndQuits()
    {
        // A one-shot HTTP server on loopback that answers /router/status with a fixed body.
        var json = "{\"at\":\"2026-11-30T10:15:42+00:00\",\"routing_strategy\":\"order\",\"model_groups\":[{\"model_name\":\"g\",\"queued\":0,\"deployments\":[]}]}";
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var server = Task.Run(async () =>
        {
            using var socket = await listener.AcceptSocketAsync();
            var buffer = new byte[4096];
            await socket.ReceiveAsync(buffer);
            var body = Encoding.UTF8.GetBytes(json);
            var head = Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n");
            await socket.SendAsync(head.Concat(body).ToArray());
        });
        var output = new StringWriter();
        var keys = new Queue<char?>([null, 'q']);

        var code = await TopCommand.RunAsync($"http://127.0.0.1:{port}", null, TimeSpan.FromSeconds(30), output, TextWriter.Null,
            () => keys.Count > 0 ? keys.Dequeue() : null, () => 120, CancellationToken.None);
        await server;

        Assert.Equal(0, code);
        Assert.Contains("g   queue: 0", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("routing: order", output.ToString(), StringComparison.Ordinal);
    }
}
