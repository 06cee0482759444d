using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using Switchboard.IntegrationTests.Infrastructure;

namespace Switchboard.IntegrationTests.Cluster;

/// <summary>
/// A throwaway <c>redis-server</c> (Debian's package; <c>scripts/install-test-deps.sh</c> installs it) on a free loopback
/// port, without persistence. Stopped by its PID, and started again on the same port, to simulate an outage.
/// </summary>
public sealed class RedisServer : IAsyncLifetime
{
    private Process? _process;

    public int Port { get; } = RepoPaths.FreePort();

    public string Url => "redis://127.0.0.1:" + Port.ToString(CultureInfo.InvariantCulture);

    public Task InitializeAsync() => StartAsync();

    /// <summary>Starts the server and waits until it answers PING.</summary>
    public async Task StartAsync()
    {
        var info = new ProcessStartInfo("redis-server")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        foreach (var argument in new[] { "--port", Port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "no" })
        {
            info.ArgumentList.Add(argument);
        }

        _process = Process.Start(info) ?? throw new InvalidOperationException("redis-server did not start (apt-get install redis-server)");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        for (var i = 0; i < 200; i++)
        {
            if (await PingAsync())
            {
                return;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException("redis-server did not answer PING");
    }

    /// <summary>Kills the server by its PID (an outage: connections drop at once) and waits for it to be gone.</summary>
    public async Task StopAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }

        _process?.Dispose();
        _process = null;
    }

    public Task DisposeAsync() => StopAsync();

    private async Task<bool> PingAsync()
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", Port);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray());
            var buffer = new byte[16];
            var read = await stream.ReadAsync(buffer);
            return read > 0 && buffer[0] == (byte)'+';
        }
        catch (SocketException)
        {
            return false;
        }
        catch (IOException)
        {
            return false;
        }
    }
}
