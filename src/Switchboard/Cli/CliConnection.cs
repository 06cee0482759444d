using System.CommandLine;
using Switchboard.Storage;

namespace Switchboard.Cli;

/// <summary>The options that choose online (<c>--url</c>, <c>--master-key</c>) or offline (<c>--config</c>, <c>--database-url</c>) mode.</summary>
internal sealed class CliConnection
{
    public Option<string?> Url { get; } = new("--url")
    {
        Description = "Gateway URL (default: $LITELLM_PROXY_URL, else http://localhost:$LITELLM_PORT, port 4000)",
        Recursive = true,
    };

    public Option<string?> MasterKey { get; } = new("--master-key")
    {
        Description = "The gateway's master key (default: $LITELLM_MASTER_KEY)",
        Recursive = true,
    };

    public Option<string?> Config { get; } = new("--config", "-c")
    {
        Description = "Work offline on the database of this config (database_url, else $DATABASE_URL, else switchboard.db beside the file)",
        Recursive = true,
    };

    public Option<string?> DatabaseUrl { get; } = new("--database-url")
    {
        Description = "Work offline on this database (postgresql://…, sqlite:///file.db, file.db)",
        Recursive = true,
    };

    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Options.Add(Url);
        command.Options.Add(MasterKey);
        command.Options.Add(Config);
        command.Options.Add(DatabaseUrl);
    }

    public CliSettings Read(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        return new CliSettings(
            parse.GetValue(Url) ?? SwitchboardCli.DefaultUrl(),
            parse.GetValue(MasterKey) ?? Environment.GetEnvironmentVariable("LITELLM_MASTER_KEY"),
            parse.GetValue(Config),
            parse.GetValue(DatabaseUrl));
    }

    /// <summary>
    /// Opens the backend, runs <paramref name="body"/>, and turns a <see cref="CliException"/> into an <c>error:</c> line and its
    /// exit code. <paramref name="mayCreateDatabase"/>: offline, a SQLite file that does not exist yet is created (only
    /// <c>keys create</c>, so that a mistyped path is reported rather than silently answered from an empty database).
    /// </summary>
    public static async Task<int> RunAsync(
        CliSettings settings, bool mayCreateDatabase, TimeProvider time, TextWriter errors, Func<CliBackend, Task<int>> body,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(errors);
        ArgumentNullException.ThrowIfNull(body);
        try
        {
            await using var backend = await OpenAsync(settings, mayCreateDatabase, time, errors, cancellationToken);
            return await body(backend);
        }
        catch (CliException e)
        {
            await errors.WriteLineAsync("error: " + e.Message);
            return e.ExitCode;
        }
        catch (Exception e) when (StoreUnavailableException.IsStoreFailure(e) || e is InvalidOperationException)
        {
            await errors.WriteLineAsync($"error: database failure: {e.Message}");
            return 1;
        }
    }

    public static async Task<CliBackend> OpenAsync(
        CliSettings settings, bool mayCreateDatabase, TimeProvider time, TextWriter errors, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (!settings.Offline)
        {
            return new CliHttpBackend(settings.Url, settings.MasterKey);
        }

        var databaseUrl = settings.DatabaseUrl;
        var sqliteDefault = Path.Combine(Directory.GetCurrentDirectory(), "switchboard.db");
        if (settings.ConfigPath is { } configPath)
        {
            var config = CheckCommand.LoadForCli(configPath, errors) ?? throw new CliException($"cannot use config file '{configPath}'.", 2);

            // The gateway's own rule (GatewayHost): database_url, else DATABASE_URL, else switchboard.db beside the config.
            databaseUrl ??= config.General.DatabaseUrl ?? Environment.GetEnvironmentVariable("DATABASE_URL");
            sqliteDefault = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(configPath))!, "switchboard.db");
        }

        string kind;
        string target;
        try
        {
            kind = GatewayStoreFactory.Describe(databaseUrl, sqliteDefault, out target);
        }
        catch (ArgumentException e)
        {
            throw new CliException(e.Message, 2);
        }

        if (kind == "sqlite" && !mayCreateDatabase && !File.Exists(target))
        {
            throw new CliException($"no database at {target} (the gateway creates it when it first starts); check --config or --database-url.");
        }

        IGatewayStore? store = null;
        try
        {
            store = GatewayStoreFactory.Create(databaseUrl, sqliteDefault);
            await store.MigrateAsync(cancellationToken);
        }
        catch (Exception e)
        {
            if (store is not null)
            {
                await store.DisposeAsync();
            }

            if (!StoreUnavailableException.IsStoreFailure(e))
            {
                throw;
            }

            // One line, as the gateway says it at start (GatewayHost), never the driver's stack trace or the password.
            throw new CliException($"cannot open the database ({GatewayStoreFactory.DescribeForPeople(databaseUrl, sqliteDefault)}): {e.Message}");
        }

        // Never the PostgreSQL connection string: it usually carries a password.
        return new CliStoreBackend(store, kind == "sqlite" ? "sqlite " + target : "postgres", time);
    }
}
