namespace Switchboard.Storage;

/// <summary>
/// One deployment added through <c>/model/new</c> (<c>store_model_in_db</c>). <see cref="LitellmParams"/> and
/// <see cref="ModelInfo"/> are JSON objects as the caller sent them, except that secret-bearing values are already
/// encrypted: the store never sees a key in the clear.
/// </summary>
internal sealed record ModelDeploymentRecord(
    string Id, string ModelName, string LitellmParams, string ModelInfo, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);
