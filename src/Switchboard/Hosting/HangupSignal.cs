using System.Runtime.InteropServices;

namespace Switchboard.Hosting;

/// <summary>
/// SIGHUP for the config reload when the gateway was started with it ignored. <c>nohup</c> (the start script's way of
/// starting it) sets SIGHUP to "ignore" before it runs the gateway, and the .NET runtime installs no handler for a
/// signal that was ignored when the process started, so a <c>PosixSignalRegistration</c> for SIGHUP never fires and
/// <c>kill -HUP</c> did nothing. Putting the default disposition back just before registering makes the registration
/// take; the registration cancels the default action, so a hang-up still does not end the process (what nohup is for):
/// it reloads the config instead.
/// </summary>
internal static partial class HangupSignal
{
    private const int Sighup = 1;
    private const nint DefaultDisposition = 0; // SIG_DFL

    /// <summary>
    /// Puts SIGHUP's default disposition back (Linux and macOS; nothing elsewhere). False when the C library could not be
    /// reached (the reload then works only for a gateway not started with SIGHUP ignored).
    /// </summary>
    public static bool RestoreDefault()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return false;
        }

        try
        {
            // "libc" is mapped to the platform's C library by the runtime's loader; a native AOT build probes file names
            // only, where glibc's is libc.so.6.
            _ = Signal(Sighup, DefaultDisposition);
            return true;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            try
            {
                _ = SignalGlibc(Sighup, DefaultDisposition);
                return true;
            }
            catch (Exception again) when (again is DllNotFoundException or EntryPointNotFoundException)
            {
                return false;
            }
        }
    }

    [DllImport("libc", EntryPoint = "signal")]
    private static extern nint Signal(int signal, nint handler);

    [DllImport("libc.so.6", EntryPoint = "signal")]
    private static extern nint SignalGlibc(int signal, nint handler);
}
