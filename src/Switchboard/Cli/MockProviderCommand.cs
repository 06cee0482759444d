namespace Switchboard.Cli;

internal static class MockProviderCommand
{
    // TODO(#2): wire MockProviderServer.RunAsync when the mockprov branch lands.
    public static Task<int> RunAsync(string host, int port, CancellationToken ct) => Task.FromResult(host.Length + port > 0 && !ct.IsCancellationRequested ? 0 : 1);
}
