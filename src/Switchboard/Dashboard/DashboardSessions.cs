using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Switchboard.Dashboard;

/// <summary>
/// Dashboard logins: an opaque random id (the cookie) → its expiry, held in this process only. The cookie never holds
/// the master key, so a stolen cookie dies with its session (expiry, logout, restart).
/// </summary>
internal sealed class DashboardSessions(TimeProvider time)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(12);

    /// <summary>More sessions than this means something is logging in in a loop: the oldest are dropped.</summary>
    private const int MaxSessions = 1000;

    private readonly ConcurrentDictionary<string, DateTimeOffset> _expiries = new(StringComparer.Ordinal);

    public int Count => _expiries.Count;

    /// <summary>A new session id (32 random bytes, base64url) valid for <see cref="Lifetime"/>.</summary>
    public string Create()
    {
        var now = time.GetUtcNow();
        if (_expiries.Count >= MaxSessions)
        {
            foreach (var (id, expiry) in _expiries.OrderBy(p => p.Value).Take(_expiries.Count - MaxSessions + 1))
            {
                _expiries.TryRemove(id, out _);
            }
        }

        var session = Base64UrlEncode(RandomNumberGenerator.GetBytes(32));
        _expiries[session] = now + Lifetime;
        return session;
    }

    public bool IsValid(string? session)
    {
        if (string.IsNullOrEmpty(session) || !_expiries.TryGetValue(session, out var expiry))
        {
            return false;
        }

        if (expiry > time.GetUtcNow())
        {
            return true;
        }

        _expiries.TryRemove(session, out _);
        return false;
    }

    public void Remove(string? session)
    {
        if (!string.IsNullOrEmpty(session))
        {
            _expiries.TryRemove(session, out _);
        }
    }

    private static string Base64UrlEncode(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
