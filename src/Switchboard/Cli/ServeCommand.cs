using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Switchboard.Api;

namespace Switchboard.Cli;

internal static class ServeCommand
{
    public static async Task<int> RunAsync(string? configFlag, int? portFlag, string host, bool debug, CancellationToken ct, string? sslKeyfile = null, string? sslCertfile = null)
    {
        // Before any socket exists: the runtime's socket engine reads its setting once (architecture decision 16).
        Hosting.InlineCompletions.Apply();
        var path = SwitchboardCli.ResolveConfigPath(configFlag);
        var config = CheckCommand.LoadForCli(path, Console.Error);
        if (config is null)
        {
            return 2;
        }

        var port = portFlag ?? (int.TryParse(Environment.GetEnvironmentVariable("LITELLM_PORT"), out var envPort) ? envPort : 4000);

        // Before the host is built: its console logger keeps the writer it finds.
        using var output = Observability.BufferedConsoleOutput.InstallWhenRedirected();
        var options = new GatewayOptions
        {
            Host = host,
            Port = port,
            DetailedDebug = debug,
            ReloadOnSighup = true,
            CollectWhenQuiet = true,
            WarmUpRefusals = true,
            SslKeyfilePath = sslKeyfile,
            SslCertfilePath = sslCertfile,
        };
        Microsoft.AspNetCore.Builder.WebApplication built;
        try
        {
            built = await GatewayHost.BuildAsync(config, options);
        }
        catch (TlsSetupException ex)
        {
            await Console.Error.WriteLineAsync("error: " + ex.Message);
            return 2;
        }
        catch (Models.StoredModelsException ex)
        {
            await Console.Error.WriteLineAsync("error: " + ex.Message);
            return 2;
        }
        catch (Storage.StoreUnavailableException ex)
        {
            await Console.Error.WriteLineAsync("error: " + ex.Message);
            return 2;
        }

        // Disposed at the end: the store closes (SQLite's WAL checkpointed) after the usage sink has drained.
        await using var app = built;
        try
        {
            await app.StartAsync(ct);
        }
        catch (IOException ex)
        {
            await Console.Error.WriteLineAsync($"error: cannot listen on {host}:{port}: {ex.Message}. Is another process using port {port}? (lsof -i :{port})");
            return 3;
        }

        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Switchboard");
        var groups = config.ModelGroups.Count();
        var scheme = (sslCertfile ?? config.General.SslCertfilePath) is null ? "http" : "https";
        Log.Started(logger, $"{scheme}://{host}:{port}", Path.GetFullPath(path), groups, config.ModelList.Count, config.Router.RoutingStrategy);
        GatewayHost.LogMemorySettings(logger, options);
        var inline = await Hosting.InlineCompletions.ProbeAsync(ct);
        Log.SocketCompletions(logger, inline switch { true => "inline", false => "on the thread pool", null => "(not probed)" });
        await app.WaitForShutdownAsync(ct);
        return 0;
    }
}
