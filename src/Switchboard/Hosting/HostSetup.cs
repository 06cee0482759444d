using Microsoft.AspNetCore.Builder;

namespace Switchboard.Hosting;

/// <summary>Web host options shared by the gateway and the mock provider.</summary>
internal static class HostSetup
{
    /// <summary>
    /// The content root is the program's own folder, not the working directory, and appsettings*.json are read once,
    /// never watched. The defaults watch the working directory recursively for configuration changes: run from a folder
    /// the gateway's log is appended to (what the start script does), every log line woke that watcher, which doubled the
    /// CPU time per request; run from a home directory, it would watch every folder below it.
    /// </summary>
    public static WebApplicationOptions Options(string applicationName) => new()
    {
        ApplicationName = applicationName,
        ContentRootPath = AppContext.BaseDirectory,
        Args = ["--hostBuilder:reloadConfigOnChange=false"],
    };
}
