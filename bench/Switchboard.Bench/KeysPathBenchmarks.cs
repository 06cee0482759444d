using System.Globalization;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Switchboard.Admission;
using Switchboard.Auth;
using Switchboard.Storage;

namespace Switchboard.Bench;

/// <summary>
/// What a call with a virtual key does beyond an open-mode call, piece by piece: authenticate (hash + cache hit),
/// admit and complete, the spend header. The keys load case (bench/run.sh) measures the sum under load.
/// </summary>
[MemoryDiagnoser]
public class KeysPathBenchmarks
{
    private const string Token = "Bearer sk-qWBK-SaWh3oYo6nU3nOPstSCfFJWQ-d8uNn5welE";
    private string _directory = "";
    private SqliteGatewayStore? _store;
    private AuthService? _auth;
    private AdmissionController? _admission;
    private Caller? _caller;
    private DefaultHttpContext? _keptAlive;

    [GlobalSetup]
    public void Setup()
    {
        _directory = Directory.CreateTempSubdirectory("switchboard-bench-").FullName;
        _store = new SqliteGatewayStore(Path.Combine(_directory, "keys.db"));
        _store.MigrateAsync(CancellationToken.None).GetAwaiter().GetResult();
        var now = DateTimeOffset.UtcNow;
        _store.InsertKeyAsync(new VirtualKeyRecord
        {
            KeyHash = KeyHasher.Hash(Token[7..]),
            KeyAlias = "bench",
            KeyPreview = "sk-...welE",
            Models = ["glm-4.6"],
            CreatedAt = now,
            UpdatedAt = now,
        }, CancellationToken.None).GetAwaiter().GetResult();
        _auth = new AuthService("sk-bench-master-0001", _store, TimeProvider.System, NullLogger<AuthService>.Instance);
        _admission = new AdmissionController(_store, TimeProvider.System, NullLogger<AdmissionController>.Instance);
        _caller = AuthenticateCaller();
        _keptAlive = new DefaultHttpContext();
        _keptAlive.Features.Set<IConnectionItemsFeature>(new ConnectionItems());
        _keptAlive.Request.Headers.Authorization = Token;
        _ = AuthenticateRequest();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _store!.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark]
    public bool Authenticate() => AuthenticateCaller() is not null;

    // The hit path completes synchronously; awaiting it here would add the benchmark's own allocation.
    private Caller? AuthenticateCaller()
    {
        var pending = _auth!.AuthenticateAsync(Token, CancellationToken.None);
        return (pending.IsCompletedSuccessfully ? pending.Result : pending.AsTask().GetAwaiter().GetResult()).Caller;
    }

    /// <summary>The same key again on a keep-alive connection: answered from the connection's memo, no hashing.</summary>
    [Benchmark]
    public bool AuthenticateKeptAlive() => AuthenticateRequest() is not null;

    private Caller? AuthenticateRequest()
    {
        var pending = _auth!.AuthenticateAsync(_keptAlive!.Request, CancellationToken.None);
        return (pending.IsCompletedSuccessfully ? pending.Result : pending.AsTask().GetAwaiter().GetResult()).Caller;
    }

    [Benchmark]
    public double AdmitAndComplete()
    {
        var pending = _admission!.AdmitAsync(_caller!, "glm-4.6", CancellationToken.None);
        var result = pending.IsCompletedSuccessfully ? pending.Result : pending.AsTask().GetAwaiter().GetResult();
        using var lease = result.Lease!;
        var spend = _admission.GetSpend(_caller!.KeyHash!) ?? 0;
        _admission.Complete(lease, 290, 0.000_238);
        return spend;
    }

    [Benchmark]
    public string SpendHeader() => (12.345_678_9 + 0.000_238).ToString("0.##########", CultureInfo.InvariantCulture);

    private sealed class ConnectionItems : IConnectionItemsFeature
    {
        public IDictionary<object, object?> Items { get; set; } = new Dictionary<object, object?>();
    }
}
