using Npgsql;
using Switchboard.Storage;

namespace Switchboard.Tests.Storage;

public sealed class GatewayStoreFactoryTests
{
    [Theory]
    [InlineData(null, "sqlite", "default.db")]
    [InlineData("", "sqlite", "default.db")]
    [InlineData("sqlite:///data/switchboard.db", "sqlite", "data/switchboard.db")]
    [InlineData("sqlite:////var/lib/sb.db", "sqlite", "/var/lib/sb.db")]
    [InlineData("./keys.sqlite3", "sqlite", "./keys.sqlite3")]
    [InlineData("Host=db;Username=u;Password=p;Database=d", "postgres", "Host=db;Username=u;Password=p;Database=d")]
    public void Describe_Url_PicksStoreAndTarget(string? url, string kind, string target)
    {
        Assert.Equal(kind, GatewayStoreFactory.Describe(url, "default.db", out var actual));
        Assert.Equal(target, actual);
    }

    [Fact]
    public void Describe_PostgresUrl_BecomesConnectionString()
    {
        Assert.Equal("postgres", GatewayStoreFactory.Describe(
            "postgresql://sb%40user:p%3Ass@db.local:6543/switch?sslmode=require&application_name=sb", "x.db", out var cs));
        var builder = new NpgsqlConnectionStringBuilder(cs);
        Assert.Equal(("db.local", 6543, "switch", "sb@user", "p:ss", SslMode.Require, "sb"),
            (builder.Host, builder.Port, builder.Database, builder.Username, builder.Password, builder.SslMode, builder.ApplicationName));
    }

    [Fact]
    public void Describe_PostgresUrlWithoutPort_Uses5432()
    {
        GatewayStoreFactory.Describe("postgres://u@localhost/db", "x.db", out var cs);
        Assert.Equal(5432, new NpgsqlConnectionStringBuilder(cs).Port);
    }

    [Fact]
    public void Describe_Unknown_ThrowsWithoutEchoingSecret()
    {
        var error = Assert.Throws<ArgumentException>(() => GatewayStoreFactory.Describe("mysql://u:secret@h/db", "x.db", out _));
        Assert.DoesNotContain("secret", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_Postgres_ReturnsPostgresStoreWithoutConnecting()
    {
        await using var store = GatewayStoreFactory.Create("postgres://u:p@127.0.0.1:1/db", "x.db");
        Assert.Equal("postgres", store.Kind);
    }
}
