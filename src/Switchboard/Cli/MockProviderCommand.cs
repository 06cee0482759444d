using Switchboard.MockProvider;

namespace Switchboard.Cli;

internal static class MockProviderCommand
{
    public static Task<int> RunAsync(string host, int port, CancellationToken ct) =>
        MockProviderServer.RunAsync(new MockProviderOptions { Host = host, Port = port }, ct);
}
