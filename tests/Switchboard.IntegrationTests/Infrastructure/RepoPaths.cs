using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Switchboard.IntegrationTests.Infrastructure;

internal static class RepoPaths
{
    private static readonly HashSet<int> HandedOut = [];

    /// <summary>Where <see cref="FreePort"/> picks: outside the kernel's ephemeral range (net.ipv4.ip_local_port_range).</summary>
    private static readonly (int Low, int High) FreePortRange = ReadFreePortRange();

    /// <summary>The checkout's root: the folder holding Switchboard.sln above the test binaries.</summary>
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Switchboard.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Switchboard.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>
    /// A loopback port that nothing listens on, for a server a test starts as its own process (which cannot take port 0
    /// and tell it back). Not one from port 0: the kernel hands those out from its ephemeral range, where an outgoing
    /// connection of a test running beside this one (thousands in the load tests) may take the port as its local end
    /// between this check and the server's bind, and the server then fails to start. So a random port outside that
    /// range, never the same twice in this process, and checked free.
    /// </summary>
    public static int FreePort()
    {
        for (var attempt = 0; attempt < 1000; attempt++)
        {
            var port = Random.Shared.Next(FreePortRange.Low, FreePortRange.High);
            lock (HandedOut)
            {
                if (!HandedOut.Add(port))
                {
                    continue;
                }
            }

            try
            {
                using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
                socket.Listen();
                return port;
            }
            catch (SocketException)
            {
                // Taken by another process of this machine: try another.
            }
        }

        throw new InvalidOperationException($"no free loopback port in {FreePortRange.Low}..{FreePortRange.High}");
    }

    private static (int Low, int High) ReadFreePortRange()
    {
        var (ephemeralLow, ephemeralHigh) = (32768, 60999);
        try
        {
            var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            (ephemeralLow, ephemeralHigh) = (int.Parse(range[0], CultureInfo.InvariantCulture), int.Parse(range[1], CultureInfo.InvariantCulture));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            // Not Linux, or not readable: Linux's default.
        }

        // Above the well-known servers' ports (PostgreSQL 5432, Redis 6379, 8080...), below the ephemeral range; else above it.
        return ephemeralLow >= 12000 ? (10000, ephemeralLow) : ephemeralHigh <= 63000 ? (ephemeralHigh + 1, 65536) : (10000, 32768);
    }
}
