using Npgsql;

namespace Switchboard.Storage;

/// <summary>Picks the store from <c>general_settings.database_url</c> (or <c>DATABASE_URL</c>).</summary>
internal static class GatewayStoreFactory
{
    /// <summary>
    /// <c>postgres://</c> / <c>postgresql://</c> URLs and <c>Host=…</c> connection strings give PostgreSQL;
    /// <c>sqlite:///relative.db</c>, <c>sqlite:////absolute.db</c> (SQLAlchemy's convention, which LiteLLM users know),
    /// a path ending in <c>.db</c>/<c>.sqlite</c>/<c>.sqlite3</c>, or nothing at all (<paramref name="sqlitePathDefault"/>) give SQLite.
    /// The store is not migrated yet: call <see cref="IGatewayStore.MigrateAsync"/>.
    /// </summary>
    public static IGatewayStore Create(string? databaseUrl, string sqlitePathDefault)
    {
        var kind = Describe(databaseUrl, sqlitePathDefault, out var target);
        return kind == "postgres" ? new PostgresGatewayStore(target) : new SqliteGatewayStore(target);
    }

    /// <summary>Returns <c>sqlite</c> or <c>postgres</c> and the file path or Npgsql connection string.</summary>
    public static string Describe(string? databaseUrl, string sqlitePathDefault, out string target)
    {
        var url = databaseUrl?.Trim();
        if (string.IsNullOrEmpty(url))
        {
            target = sqlitePathDefault;
            return "sqlite";
        }

        if (url.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) ||
            url.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase))
        {
            target = PostgresUrlToConnectionString(url);
            return "postgres";
        }

        if (url.Contains("Host=", StringComparison.OrdinalIgnoreCase) || url.Contains("Server=", StringComparison.OrdinalIgnoreCase))
        {
            target = url;
            return "postgres";
        }

        if (url.StartsWith("sqlite:///", StringComparison.OrdinalIgnoreCase))
        {
            var path = url["sqlite:///".Length..];
            target = string.IsNullOrEmpty(path) ? sqlitePathDefault : path;
            return "sqlite";
        }

        if (url.EndsWith(".db", StringComparison.OrdinalIgnoreCase) || url.EndsWith(".sqlite", StringComparison.OrdinalIgnoreCase) ||
            url.EndsWith(".sqlite3", StringComparison.OrdinalIgnoreCase))
        {
            target = url;
            return "sqlite";
        }

        // Never echo the value: a database URL usually carries a password.
        throw new ArgumentException(
            "database_url is neither a postgres:// or postgresql:// URL, a Host=… connection string, a sqlite:/// URL nor a .db path.",
            nameof(databaseUrl));
    }

    /// <summary>
    /// The database for a person to read: <c>PostgreSQL at host:port, database db</c> or <c>SQLite file path</c>. Never the
    /// user's password: a database URL usually carries one.
    /// </summary>
    public static string DescribeForPeople(string? databaseUrl, string sqlitePathDefault)
    {
        var kind = Describe(databaseUrl, sqlitePathDefault, out var target);
        if (kind != "postgres")
        {
            return "SQLite file " + Path.GetFullPath(target);
        }

        var builder = new NpgsqlConnectionStringBuilder(target);
        var database = string.IsNullOrEmpty(builder.Database) ? "" : ", database " + builder.Database;
        return $"PostgreSQL at {builder.Host}:{builder.Port}{database}";
    }

    /// <summary><c>postgresql://user:pass@host:5432/db?sslmode=require</c> to an Npgsql connection string.</summary>
    public static string PostgresUrlToConnectionString(string url)
    {
        ArgumentException.ThrowIfNullOrEmpty(url);
        var uri = new Uri(url);
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = Uri.UnescapeDataString(uri.Host),
            Port = uri.IsDefaultPort || uri.Port <= 0 ? 5432 : uri.Port,
        };
        var database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        if (database.Length > 0)
        {
            builder.Database = database;
        }

        if (uri.UserInfo.Length > 0)
        {
            var colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
            builder.Username = Uri.UnescapeDataString(colon < 0 ? uri.UserInfo : uri.UserInfo[..colon]);
            if (colon >= 0)
            {
                builder.Password = Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]);
            }
        }

        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var name = Uri.UnescapeDataString(equals < 0 ? pair : pair[..equals]);
            var value = equals < 0 ? "" : Uri.UnescapeDataString(pair[(equals + 1)..]);
            switch (name.ToLowerInvariant())
            {
                case "sslmode":
                    builder.SslMode = Enum.Parse<SslMode>(value.Replace("-", "", StringComparison.Ordinal), ignoreCase: true);
                    break;
                case "connect_timeout":
                    builder.Timeout = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
                    break;
                case "application_name":
                    builder.ApplicationName = value;
                    break;
                case "host":
                    // libpq form for Unix sockets: postgresql:///db?host=/var/run/postgresql
                    builder.Host = value;
                    break;
                default:
                    break;
            }
        }

        return builder.ConnectionString;
    }
}
