using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Switchboard.Config;
using Switchboard.Storage;

namespace Switchboard.Models;

/// <summary>
/// The deployments stored in the database (<c>general_settings.store_model_in_db</c>), kept in memory and merged with the
/// config file's into the effective config (<see cref="Merge"/>). A change made here (<see cref="ModelEndpoints"/>) or by
/// another instance reaches the router through the hot-reload path: <see cref="Changed"/> asks the gateway to apply the
/// merge again. Other instances learn of a change by <see cref="IModelPeers"/> (Redis) within a moment, and in any case by
/// polling the store's version row.
/// </summary>
internal sealed class ModelRegistry : IDisposable
{
    private readonly IGatewayStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Func<string, string?> _environment;
    private readonly SemaphoreSlim _refreshGate = new(1, 1);
    private volatile IReadOnlyList<StoredModel> _models = [];
    private volatile HashSet<string> _fileIds = new(StringComparer.Ordinal);
    private long _version = -1;
    private ITimer? _poll;
    private int _failing;

    public ModelRegistry(IGatewayStore store, GatewayConfig config, TimeProvider time, ILogger logger, Func<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        _store = store;
        _time = time;
        _logger = logger;
        _environment = environment ?? System.Environment.GetEnvironmentVariable;
        Enabled = config.General.StoreModelInDb || IsTrue(_environment("STORE_MODEL_IN_DB"));
        Box = ModelSecretBox.Resolve(config.General.MasterKey, _environment);
    }

    /// <summary><c>store_model_in_db</c> is on (config or <c>STORE_MODEL_IN_DB</c>).</summary>
    public bool Enabled { get; }

    /// <summary>The cipher of the salt key in force; null without a salt key or master key.</summary>
    public ModelSecretBox? Box { get; }

    /// <summary>Announces changes to the other instances; local (nobody) unless <c>Cluster/</c> sets it.</summary>
    public IModelPeers Peers { get; set; } = LocalModelPeers.Instance;

    /// <summary>Called after the stored deployments changed: the gateway applies <see cref="Merge"/> again.</summary>
    public Action? Changed { get; set; }

    public IReadOnlyList<StoredModel> Models => _models;

    public IGatewayStore Store => _store;

    public TimeProvider Time => _time;

    public ILogger Logger => _logger;

    public Func<string, string?> Environment => _environment;

    public bool IsStored(string id) => _models.Any(m => string.Equals(m.Row.Id, id, StringComparison.Ordinal));

    public bool IsInFile(string id) => _fileIds.Contains(id);

    /// <summary>
    /// The effective config: the file's deployments, then the stored ones that loaded (a stored id that the file also has is
    /// skipped: the file wins). Stored deployments are placed after the file's in <c>model_list</c> order.
    /// </summary>
    public GatewayConfig Merge(GatewayConfig file)
    {
        ArgumentNullException.ThrowIfNull(file);
        _fileIds = file.ModelList.Select(d => d.Id).ToHashSet(StringComparer.Ordinal);
        var models = _models;
        if (models.Count == 0)
        {
            return file;
        }

        var list = new List<DeploymentConfig>(file.ModelList);
        foreach (var model in models)
        {
            if (model.Deployment is not { } deployment)
            {
                continue;
            }

            if (_fileIds.Contains(deployment.Id))
            {
                Log.ShadowedByFile(_logger, deployment.Id);
                continue;
            }

            list.Add(deployment with { Index = list.Count });
        }

        return file with { ModelList = list };
    }

    /// <summary>
    /// Loads the stored deployments before the gateway serves, then polls the version row every <paramref name="pollInterval"/>.
    /// Throws <see cref="StoredModelsException"/> when stored secrets do not decrypt with the salt key in force.
    /// </summary>
    public async Task StartAsync(TimeSpan pollInterval, CancellationToken cancellationToken)
    {
        if (!Enabled)
        {
            return;
        }

        await RefreshAsync(force: true, startup: true, "start", cancellationToken);
        _poll = _time.CreateTimer(_ => _ = RefreshSafelyAsync("version poll"), null, pollInterval, pollInterval);
    }

    /// <summary>Another instance announced a change: reload from the database now (off the caller's thread).</summary>
    public void ChangedElsewhere()
    {
        if (Enabled)
        {
            ThreadPool.UnsafeQueueUserWorkItem(_ => _ = RefreshSafelyAsync("announcement"), null);
        }
    }

    /// <summary>
    /// Reads the version row and, when it moved (or <paramref name="force"/>), every stored deployment; applies them.
    /// Serialised: one refresh at a time.
    /// </summary>
    public async Task RefreshAsync(bool force, bool startup, string trigger, CancellationToken cancellationToken)
    {
        await _refreshGate.WaitAsync(cancellationToken);
        try
        {
            var version = await _store.ModelDeploymentsVersionAsync(cancellationToken);
            if (!force && version == Interlocked.Read(ref _version))
            {
                return;
            }

            var rows = await _store.ListModelDeploymentsAsync(cancellationToken);
            var models = new List<StoredModel>(rows.Count);
            foreach (var row in rows)
            {
                models.Add(Open(row, startup));
            }

            _models = models;
            Interlocked.Exchange(ref _version, version);
            Log.Loaded(_logger, models.Count(m => m.Deployment is not null), version, trigger);
            Changed?.Invoke();
        }
        finally
        {
            _refreshGate.Release();
        }
    }

    public void Dispose()
    {
        _poll?.Dispose();
        _refreshGate.Dispose();
    }

    private StoredModel Open(ModelDeploymentRecord row, bool startup)
    {
        var info = StoredModelCodec.ParseObject(row.ModelInfo);
        System.Text.Json.Nodes.JsonObject plain;
        try
        {
            if (Box is null)
            {
                throw new CryptographicException("no salt key");
            }

            plain = StoredModelCodec.Open(row.LitellmParams, row.Id, Box);
        }
        catch (CryptographicException ex)
        {
            var message = Box is null
                ? "The database holds deployments stored with store_model_in_db, but no key to decrypt their secrets is set: " +
                  "set SWITCHBOARD_SALT_KEY (or LITELLM_SALT_KEY, or general_settings.master_key) to the one they were stored with."
                : $"The stored deployment '{row.Id}' cannot be decrypted with the salt key in force ({Box.Source}): its secrets were " +
                  "encrypted with another key. Set SWITCHBOARD_SALT_KEY (else LITELLM_SALT_KEY, else the master key) to the key they " +
                  "were stored with, or delete the deployment.";
            if (startup)
            {
                throw new StoredModelsException(message, ex);
            }

            Log.Skipped(_logger, row.Id, message);
            return new StoredModel(row, [], info, null);
        }

        var (deployment, errors) = ConfigLoader.LoadDeployment(StoredModelCodec.Entry(row.ModelName, plain, info), 0, "stored deployment " + row.Id, _environment);
        if (deployment is null)
        {
            var redactor = new Observability.SecretRedactor(StoredModelCodec.SecretValues(plain));
            Log.Skipped(_logger, row.Id, redactor.Redact(string.Join("; ", errors)));
        }

        return new StoredModel(row, plain, info, deployment);
    }

    private async Task RefreshSafelyAsync(string trigger)
    {
        try
        {
            await RefreshAsync(force: false, startup: false, trigger, CancellationToken.None);
            Interlocked.Exchange(ref _failing, 0);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A timer's callback must not throw; a database outage is logged once until it is over.
            if (Interlocked.Exchange(ref _failing, 1) == 0)
            {
                Log.RefreshFailed(_logger, ex, trigger);
            }
        }
    }

    private static bool IsTrue(string? value) =>
        value is not null && (value.Equals("true", StringComparison.OrdinalIgnoreCase) || value == "1");
}
