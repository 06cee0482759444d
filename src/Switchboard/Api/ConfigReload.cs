using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Switchboard.Auth;
using Switchboard.Config;
using Switchboard.Routing;

namespace Switchboard.Api;

/// <summary>What one reload attempt did: applied (with the router's summary), or refused with the file's errors.</summary>
internal sealed record ConfigReloadResult(bool Applied, IReadOnlyList<string> Errors, ReloadSummary? Summary)
{
    /// <summary>A file event left the text as last applied: nothing was reloaded.</summary>
    public static readonly ConfigReloadResult Unchanged = new(false, [], null);
}

/// <summary>
/// Hot reload of the config file: on a file change (<see cref="ConfigWatcher"/>), on SIGHUP, or on
/// <c>POST /config/reload</c> (master key; <c>switchboard reload</c> calls it). The file is loaded and validated in full
/// first; an invalid file is refused with every error logged and the config in force stays. A valid one is swapped in
/// atomically (<see cref="GatewayServices.Apply"/>, <see cref="Router.Reload"/>).
/// </summary>
internal sealed class ConfigReload : IDisposable
{
    private readonly GatewayServices _services;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private ConfigWatcher? _watcher;
    private PosixSignalRegistration? _sighup;

    // The file's text as last applied (or as read when the watch began): a file event that leaves it unchanged reloads
    // nothing, so it does not bring back keys disabled since (an editor's save without a change, a write a reload already
    // read).
    private string? _appliedText;

    internal ConfigReload(GatewayServices services, ILogger logger)
    {
        _services = services;
        _logger = logger;
    }

    /// <summary>
    /// Loads the file the config in force came from and applies it when valid. Serialised: one reload at a time. With
    /// <paramref name="onlyIfChanged"/> (a file event), a file whose text is the one last applied is not reloaded: the
    /// result is <see cref="ConfigReloadResult.Unchanged"/>. An explicit reload (SIGHUP, <c>POST /config/reload</c>)
    /// always applies, which is how an operator brings back keys disabled by 401/403.
    /// </summary>
    public ConfigReloadResult FromFile(string trigger, bool onlyIfChanged = false)
    {
        lock (_gate)
        {
            var current = _services.Config;
            if (current.SourcePath is not { } path)
            {
                return new ConfigReloadResult(false, ["the config in force was not read from a file"], null);
            }

            ConfigLoadResult result;
            if (!ConfigLoader.TryReadText(path, out var text, out var readError))
            {
                result = ConfigLoader.Failed(readError);
            }
            else if (onlyIfChanged && string.Equals(text, _appliedText, StringComparison.Ordinal))
            {
                Log.ReloadUnchanged(_logger, path, trigger);
                return ConfigReloadResult.Unchanged;
            }
            else
            {
                result = ConfigLoader.LoadYaml(text, path);
            }

            if (!result.IsValid)
            {
                var errors = result.Errors.Select(e => _services.Secrets.Redact(e.ToString())).ToArray();
                foreach (var error in errors)
                {
                    Log.ReloadRefused(_logger, path, trigger, error);
                }

                return new ConfigReloadResult(false, errors, null);
            }

            var next = result.Config!;
            foreach (var setting in RestartOnly(current, next))
            {
                Log.ReloadNeedsRestart(_logger, setting);
            }

            var summary = _services.Apply(next);
            _appliedText = text;
            Log.ReloadApplied(_logger, path, trigger, summary.Kept, summary.Added, summary.Removed);
            return new ConfigReloadResult(true, [], summary);
        }
    }

    /// <summary>Reloads when the config file changes. Nothing when the config was not read from a file.</summary>
    public void WatchFile(TimeProvider time)
    {
        if (_services.Config.SourcePath is { } path && _watcher is null)
        {
            lock (_gate)
            {
                // The text in force, not a second read of the file: an edit since the start's read must still count.
                _appliedText ??= _services.Config.SourceText;
            }

            _watcher = new ConfigWatcher(path, time, () => Safely("file change", onlyIfChanged: true));
        }
    }

    /// <summary>Reloads on SIGHUP (the signal no longer ends the process). For the serving process only: it is process-wide.</summary>
    public void ReloadOnSighup()
    {
        if (_sighup is not null)
        {
            return;
        }

        // Under nohup (the start script) SIGHUP is ignored from the start, and the runtime would install no handler.
        Hosting.HangupSignal.RestoreDefault();
        _sighup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
        {
            context.Cancel = true;
            ThreadPool.UnsafeQueueUserWorkItem(_ => Safely("SIGHUP", onlyIfChanged: false), null);
        });
    }

    public void Dispose()
    {
        _watcher?.Dispose();
        _sighup?.Dispose();
    }

    /// <summary><c>POST /config/reload</c> (master key): 200 with what changed, 400 with the file's errors, 409 when there is no file.</summary>
    public static void MapEndpoint(IEndpointRouteBuilder app, GatewayServices services)
    {
        app.MapPost("/config/reload", async context =>
        {
            if (!await AdminAuth.RequireMasterAsync(context))
            {
                return;
            }

            // Reads and parses the file and rebuilds the deployment table under a lock: not on a socket engine's thread
            // (architecture decision 16).
            await Hosting.ThreadPoolHop.Instance;
            var result = services.Reload.FromFile("POST /config/reload");
            if (!result.Applied)
            {
                var noFile = services.Config.SourcePath is null;
                await AdminAuth.WriteErrorAsync(context, noFile ? 409 : 400,
                    (noFile ? "Cannot reload: " : "The config file was refused; the config in force stays. ") + string.Join("; ", result.Errors),
                    "invalid_request_error", noFile ? "no_config_file" : "invalid_config");
                return;
            }

            context.Response.ContentType = "application/json";
            await using var writer = new Utf8JsonWriter(context.Response.Body);
            writer.WriteStartObject();
            writer.WriteBoolean("reloaded"u8, true);
            writer.WriteNumber("kept"u8, result.Summary!.Kept);
            writer.WriteNumber("added"u8, result.Summary.Added);
            writer.WriteNumber("removed"u8, result.Summary.Removed);
            writer.WriteNumber("model_groups"u8, result.Summary.Groups);
            writer.WriteEndObject();
            await writer.FlushAsync(context.RequestAborted);
        });
    }

    /// <summary>Settings read once at start: a change is logged, and takes effect on the next start.</summary>
    internal static IEnumerable<string> RestartOnly(GatewayConfig current, GatewayConfig next)
    {
        if (!string.Equals(current.General.MasterKey, next.General.MasterKey, StringComparison.Ordinal))
        {
            yield return "general_settings.master_key";
        }

        if (!string.Equals(current.General.DatabaseUrl, next.General.DatabaseUrl, StringComparison.Ordinal))
        {
            yield return "general_settings.database_url";
        }

        if (current.Router.DisabledProbeInterval != next.Router.DisabledProbeInterval)
        {
            yield return "router_settings.disabled_probe_interval";
        }

        if (current.LiteLlm.Cache != next.LiteLlm.Cache || !current.LiteLlm.CacheParams.OrderBy(p => p.Key, StringComparer.Ordinal)
                .SequenceEqual(next.LiteLlm.CacheParams.OrderBy(p => p.Key, StringComparer.Ordinal)))
        {
            yield return "litellm_settings.cache / cache_params";
        }

        if (current.General.GracefulShutdown != next.General.GracefulShutdown)
        {
            yield return "general_settings.graceful_shutdown_s";
        }
    }

    private void Safely(string trigger, bool onlyIfChanged)
    {
        try
        {
            FromFile(trigger, onlyIfChanged);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A callback of a timer or a signal must not throw: that would end the process.
            Log.ReloadFailed(_logger, ex, trigger);
        }
    }
}

internal static partial class Log
{
    [LoggerMessage(EventId = 190, Level = LogLevel.Information,
        Message = "Config {Path} reloaded ({Trigger}): {Kept} deployment(s) kept, {Added} added, {Removed} removed")]
    public static partial void ReloadApplied(ILogger logger, string path, string trigger, int kept, int added, int removed);

    [LoggerMessage(EventId = 191, Level = LogLevel.Error,
        Message = "Config {Path} refused on reload ({Trigger}), the config in force stays: {Error}")]
    public static partial void ReloadRefused(ILogger logger, string path, string trigger, string error);

    [LoggerMessage(EventId = 192, Level = LogLevel.Warning,
        Message = "Config reload: {Setting} changed; it is read at start only and takes effect on the next restart")]
    public static partial void ReloadNeedsRestart(ILogger logger, string setting);

    [LoggerMessage(EventId = 194, Level = LogLevel.Information,
        Message = "Config {Path} unchanged since it was last loaded ({Trigger}): nothing reloaded")]
    public static partial void ReloadUnchanged(ILogger logger, string path, string trigger);

    [LoggerMessage(EventId = 193, Level = LogLevel.Error, Message = "Config reload ({Trigger}) failed")]
    public static partial void ReloadFailed(ILogger logger, Exception exception, string trigger);
}
