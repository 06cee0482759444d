using System.Diagnostics;
using Npgsql;

namespace Switchboard.IntegrationTests.Infrastructure;

/// <summary>
/// A throwaway PostgreSQL server for the test run: <c>initdb</c> into a temp directory, <c>pg_ctl start</c> on a free
/// loopback port with the socket in that directory, <c>pg_ctl stop -m fast</c> at the end. As root it runs everything
/// as the <c>postgres</c> OS user, because PostgreSQL refuses to run as root. Without binaries the tests fail loudly
/// unless <c>SWITCHBOARD_SKIP_POSTGRES=1</c>.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    private string? _binDirectory;
    private string? _rootDirectory;
    private string? _dataDirectory;
    private bool _asPostgresUser;
    private int _databaseCounter;

    public int Port { get; private set; }

    /// <summary>False only when the binaries are missing and <c>SWITCHBOARD_SKIP_POSTGRES=1</c> is set.</summary>
    public bool Available { get; private set; }

    /// <summary>Connection string of the maintenance database <c>postgres</c>.</summary>
    public string AdminConnectionString => $"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres;Pooling=false";

    public async Task InitializeAsync()
    {
        _binDirectory = FindBinDirectory();
        if (_binDirectory is null)
        {
            if (Environment.GetEnvironmentVariable("SWITCHBOARD_SKIP_POSTGRES") == "1")
            {
                return;
            }

            throw new InvalidOperationException(
                "PostgreSQL binaries (initdb, pg_ctl, postgres) not found on PATH or in /usr/lib/postgresql/*/bin. " +
                "Install them (apt-get install postgresql) or set SWITCHBOARD_SKIP_POSTGRES=1 to skip these tests.");
        }

        _asPostgresUser = (await RunAsync("id", ["-u"], asPostgres: false)).Trim() == "0";
        _rootDirectory = Directory.CreateTempSubdirectory("switchboard-pg-").FullName;
        _dataDirectory = Path.Combine(_rootDirectory, "data");
        if (_asPostgresUser)
        {
            await RunAsync("chown", ["-R", "postgres", _rootDirectory], asPostgres: false);
        }

        await RunAsync(Path.Combine(_binDirectory, "initdb"),
            ["-D", _dataDirectory, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"], _asPostgresUser);
        Port = RepoPaths.FreePort();
        var options = $"-p {Port} -k {_rootDirectory} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off " +
            "-c full_page_writes=off -c max_connections=200";
        await RunAsync(Path.Combine(_binDirectory, "pg_ctl"),
            ["start", "-D", _dataDirectory, "-w", "-t", "60", "-l", Path.Combine(_rootDirectory, "server.log"), "-o", options],
            _asPostgresUser);
        Available = true;
    }

    /// <summary>A fresh, empty database for one test; returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        if (!Available)
        {
            throw new InvalidOperationException("PostgreSQL is not available (SWITCHBOARD_SKIP_POSTGRES=1).");
        }

        var name = $"sb_test_{Interlocked.Increment(ref _databaseCounter)}";
        await using (var connection = new NpgsqlConnection(AdminConnectionString))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = $"CREATE DATABASE {name}";
            await command.ExecuteNonQueryAsync();
        }

        return $"Host=127.0.0.1;Port={Port};Username=postgres;Database={name}";
    }

    /// <summary>Stops the server (<c>pg_ctl stop -m fast</c>) without deleting its data, to simulate an outage.</summary>
    public Task StopAsync() => RunAsync(Path.Combine(_binDirectory!, "pg_ctl"), ["stop", "-D", _dataDirectory!, "-m", "fast", "-w"], _asPostgresUser);

    /// <summary>Starts the server again on the same port after <see cref="StopAsync"/>.</summary>
    public Task StartAsync() => RunAsync(Path.Combine(_binDirectory!, "pg_ctl"),
        ["start", "-D", _dataDirectory!, "-w", "-t", "60", "-l", Path.Combine(_rootDirectory!, "server.log"), "-o",
            $"-p {Port} -k {_rootDirectory} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"], _asPostgresUser);

    public async Task DisposeAsync()
    {
        if (_binDirectory is null || _rootDirectory is null)
        {
            return;
        }

        NpgsqlConnection.ClearAllPools();
        if (Available)
        {
            try
            {
                await StopAsync();
            }
            catch (InvalidOperationException)
            {
                // already stopped by a test
            }
        }

        Directory.Delete(_rootDirectory, recursive: true);
    }

    private static string? FindBinDirectory()
    {
        static bool HasAll(string directory) =>
            File.Exists(Path.Combine(directory, "initdb")) && File.Exists(Path.Combine(directory, "pg_ctl")) &&
            File.Exists(Path.Combine(directory, "postgres"));

        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var directory in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            if (HasAll(directory))
            {
                return directory;
            }
        }

        const string debianRoot = "/usr/lib/postgresql";
        if (Directory.Exists(debianRoot))
        {
            return Directory.GetDirectories(debianRoot)
                .Select(d => Path.Combine(d, "bin"))
                .Where(HasAll)
                .OrderByDescending(d => d, StringComparer.Ordinal)
                .FirstOrDefault();
        }

        return null;
    }

    private static async Task<string> RunAsync(string program, IReadOnlyList<string> arguments, bool asPostgres)
    {
        var start = new ProcessStartInfo
        {
            FileName = asPostgres ? "runuser" : program,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        if (asPostgres)
        {
            foreach (var prefix in new[] { "-u", "postgres", "--", program })
            {
                start.ArgumentList.Add(prefix);
            }
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {program}");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited {process.ExitCode}: {await error}{await output}");
        }

        return await output;
    }
}

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresServer>
{
    public const string Name = "postgres";
}
