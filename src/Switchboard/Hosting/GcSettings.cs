using System.Globalization;
using System.Runtime;

namespace Switchboard.Hosting;

/// <summary>The GC and code-memory settings in effect, as the runtime reports them (the start-up log line; docs/benchmarks.md).</summary>
internal static class GcSettings
{
    /// <summary>"workstation, concurrent", "server, DATAS", ...</summary>
    public static string Mode()
    {
        var kind = GCSettings.IsServerGC ? "server" : "workstation";
        var variables = GC.GetConfigurationVariables();
        if (GCSettings.IsServerGC && variables.TryGetValue("GCDynamicAdaptationMode", out var datas) && datas is long and 1)
        {
            kind += ", DATAS";
        }

        return GCSettings.LatencyMode == GCLatencyMode.Batch ? kind + ", non-concurrent" : kind + ", concurrent";
    }

    /// <summary>
    /// The largest gen0 allocation budget, e.g. "4 MB": set by <c>System.GC.Gen0MaxBudget</c> in the runtime config
    /// (Switchboard.csproj), else the runtime's default from the CPU's cache size.
    /// </summary>
    public static string Gen0Budget() =>
        GC.GetConfigurationVariables().TryGetValue("GCGen0MaxBudget", out var value) && value is long bytes && bytes > 0
            ? (bytes / (1024.0 * 1024)).ToString("0.#", CultureInfo.InvariantCulture) + " MB"
            : "default";

    /// <summary>What <see cref="WriteXorExecute"/> says in a Native AOT process.</summary>
    public const string NativeAot = "not needed (Native AOT: no code is written at run time)";

    /// <summary>
    /// Whether the runtime maps its executable memory twice, writable and executable apart (W^X, the .NET default):
    /// "on", <see cref="NativeAot"/>, "off" (<c>DOTNET_EnableWriteXorExecute=0</c> in the environment, or
    /// <c>System.Runtime.EnableWriteXorExecute: false</c> in the runtimeconfig), or "unknown" off Linux. The gateway
    /// keeps the runtime's default, on (docs/benchmarks.md, "Runtime knobs, per-stream buffers and AOT options").
    /// Probed, not read from the environment: with W^X on, the runtime's double-mapped code lives in a
    /// <c>memfd:doublemapper</c> file, which shows in <c>/proc/self/maps</c> from the first JIT-compiled method.
    /// </summary>
    public static string WriteXorExecute()
    {
        if (!System.Runtime.CompilerServices.RuntimeFeature.IsDynamicCodeSupported)
        {
            // Native AOT (what the start script ships): no JIT, so no code is ever written at run time and there is
            // nothing to map twice; "off" would read as a weakened setting.
            return NativeAot;
        }

        const string Maps = "/proc/self/maps";
        if (!OperatingSystem.IsLinux() || !File.Exists(Maps))
        {
            return "unknown";
        }

        try
        {
            foreach (var line in File.ReadLines(Maps))
            {
                if (line.Contains("doublemapper", StringComparison.Ordinal))
                {
                    return "on";
                }
            }

            return "off";
        }
        catch (IOException)
        {
            return "unknown";
        }
        catch (UnauthorizedAccessException)
        {
            return "unknown";
        }
    }
}
