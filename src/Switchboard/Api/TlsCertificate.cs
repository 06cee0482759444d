using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Switchboard.Api;

/// <summary>The HTTPS certificate from LiteLLM's PEM pair (<c>ssl_certfile_path</c>, <c>ssl_keyfile_path</c>).</summary>
internal static class TlsCertificate
{
    /// <summary>The certificate with its key; null when neither path is set.</summary>
    /// <exception cref="TlsSetupException">Only one path is set, or the files cannot be read as a PEM certificate and key.</exception>
    public static X509Certificate2? Load(string? certPath, string? keyPath)
    {
        if (certPath is null && keyPath is null)
        {
            return null;
        }

        if (certPath is null || keyPath is null)
        {
            throw new TlsSetupException("HTTPS needs both --ssl_certfile_path and --ssl_keyfile_path (or both general_settings.ssl_certfile_path and ssl_keyfile_path); "
                + $"only the {(certPath is null ? "key" : "certificate")} is set.");
        }

        try
        {
            return X509Certificate2.CreateFromPemFile(certPath, keyPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            // The message names the file and the reason, never the key's bytes.
            throw new TlsSetupException($"cannot load the HTTPS certificate '{certPath}' with the key '{keyPath}': {e.Message}", e);
        }
    }
}

/// <summary>The HTTPS settings cannot be used; the gateway does not start.</summary>
internal sealed class TlsSetupException : Exception
{
    public TlsSetupException()
    {
    }

    public TlsSetupException(string message)
        : base(message)
    {
    }

    public TlsSetupException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
