using Switchboard.Config;
using Switchboard.IntegrationTests.Infrastructure;
using Switchboard.Storage;

namespace Switchboard.IntegrationTests.Storage;

/// <summary>
/// The usage database cannot be opened when the gateway starts: it refuses to start with one clear message naming the
/// database (never its password) and the reason, where it used to die with an unhandled exception and its stack trace.
/// </summary>
public sealed class StoreUnavailableAtStartTests
{
    private static GatewayConfig Config(string databaseUrl) => new()
    {
        ModelList = [Configs.Mock("pool", "dep-1")],
        General = new GeneralSettings { DatabaseUrl = databaseUrl },
    };

    [Fact]
    public async Task StartAsync_PostgresNotListening_RefusedWithTheServerAndNoPassword()
    {
        var port = RepoPaths.FreePort();
        var config = Config($"postgresql://switchboard:hunter2-secret@127.0.0.1:{port}/usage");

        var error = await Assert.ThrowsAsync<StoreUnavailableException>(() => TestGateway.StartAsync(config));

        Assert.Contains($"PostgreSQL at 127.0.0.1:{port}", error.Message, StringComparison.Ordinal);
        Assert.Contains("database usage", error.Message, StringComparison.Ordinal);
        Assert.Contains("database_url", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2-secret", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(" at ", error.Message.Replace($"PostgreSQL at 127.0.0.1", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_SqliteFileInADirectoryThatCannotExist_RefusedWithThePath()
    {
        // A path under a regular file: no process, root or not, can create a directory there.
        var file = Path.GetTempFileName();
        try
        {
            var path = Path.Combine(file, "usage.db");

            var error = await Assert.ThrowsAsync<StoreUnavailableException>(() => TestGateway.StartAsync(Config("sqlite:///" + path)));

            Assert.Contains("SQLite file " + path, error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
