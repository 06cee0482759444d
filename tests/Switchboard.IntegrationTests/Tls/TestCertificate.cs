using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Switchboard.IntegrationTests.Tls;

/// <summary>A self-signed certificate for localhost / 127.0.0.1, written as a PEM pair, trusted only by handlers made here.</summary>
internal sealed class TestCertificate : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sb-tls-").FullName;

    public TestCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        Thumbprint = certificate.GetCertHashString(HashAlgorithmName.SHA256);
        CertPath = Path.Combine(_dir, "fullchain.pem");
        KeyPath = Path.Combine(_dir, "privkey.pem");
        File.WriteAllText(CertPath, certificate.ExportCertificatePem());
        File.WriteAllText(KeyPath, key.ExportPkcs8PrivateKeyPem());
    }

    public string CertPath { get; }

    public string KeyPath { get; }

    public string Thumbprint { get; }

    /// <summary>A handler that trusts this certificate and nothing else self-signed.</summary>
    public SocketsHttpHandler TrustingHandler() => new()
    {
        SslOptions = new SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = (_, cert, _, errors) =>
                errors == SslPolicyErrors.None
                || (cert is not null && string.Equals(cert.GetCertHashString(HashAlgorithmName.SHA256), Thumbprint, StringComparison.OrdinalIgnoreCase)),
        },
    };

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
