using System.Security.Cryptography;

namespace Switchboard.Auth;

internal static class VirtualKeyGenerator
{
    private const string UrlSafe = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    /// <summary><c>sk-</c> and 40 URL-safe characters from the OS CSPRNG (240 bits).</summary>
    public static string New() => "sk-" + RandomNumberGenerator.GetString(UrlSafe, 40);
}
