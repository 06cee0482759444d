using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Switchboard.Auth;
using Switchboard.Tests.Storage;

namespace Switchboard.Tests.Auth;

public sealed class AuthLoggingTests
{
    private sealed class CapturingLogger<T> : ILogger<T>
    {
        public List<string> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (Lines)
            {
                Lines.Add($"{formatter(state, exception)} {exception} {state}");
            }
        }
    }

    [Fact]
    public async Task AuthenticateAsync_StoreDown_LogsOnlyMaskedKey()
    {
        await using var temp = await TempSqliteStore.CreateAsync();
        var store = new FlakyGatewayStore(temp.Store) { FailingReads = true };
        var logger = new CapturingLogger<AuthService>();
        var auth = new AuthService("sk-master-0123456789", store, new FakeTimeProvider(), logger);
        var key = VirtualKeyGenerator.New();

        var result = await auth.AuthenticateAsync(key, CancellationToken.None);

        Assert.Equal(503, result.StatusCode);
        var line = Assert.Single(logger.Lines);
        Assert.Contains(KeyHasher.Mask(key), line, StringComparison.Ordinal);
        Assert.DoesNotContain(key, line, StringComparison.Ordinal);
        Assert.DoesNotContain(key, result.Error, StringComparison.Ordinal);
    }
}
