using System.Data.Common;

namespace Switchboard.Storage;

// Deployments stored in the database (store_model_in_db). Every change bumps one version row in the same transaction, so
// that other instances learn of it with one cheap read (ModelDeploymentsVersionAsync) instead of comparing rows.
internal abstract partial class SqlGatewayStore
{
    private const string ModelColumns = "id, model_name, litellm_params, model_info, created_at_ms, updated_at_ms";

    public async Task<IReadOnlyList<ModelDeploymentRecord>> ListModelDeploymentsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenReadConnectionAsync(cancellationToken);
        await using var command = Command(connection, null, $"SELECT {ModelColumns} FROM model_deployments ORDER BY created_at_ms, id");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<ModelDeploymentRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new ModelDeploymentRecord(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                FromMs(GetLong(reader, 4)), FromMs(GetLong(reader, 5))));
        }

        return rows;
    }

    public async Task<long> ModelDeploymentsVersionAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenReadConnectionAsync(cancellationToken);
        await using var command = Command(connection, null, "SELECT version FROM model_deployments_version WHERE id = 1");
        var value = await command.ExecuteScalarAsync(cancellationToken);
        return value is null or DBNull ? 0 : Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task InsertModelDeploymentAsync(ModelDeploymentRecord deployment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        try
        {
            await WriteAsync(async (connection, transaction, ct) =>
            {
                await using var command = Command(connection, transaction,
                    $"INSERT INTO model_deployments ({ModelColumns}) VALUES (@id, @model_name, @litellm_params, @model_info, @created, @updated)");
                AddModel(command, deployment);
                Add(command, "created", ToMs(deployment.CreatedAt));
                await command.ExecuteNonQueryAsync(ct);
                await BumpModelVersionAsync(connection, transaction, ct);
                return true;
            }, cancellationToken);
        }
        catch (Exception ex) when (IsUniqueViolation(ex))
        {
            throw new DuplicateKeyException($"A deployment with the id '{deployment.Id}' is already stored.", ex);
        }
    }

    public Task<bool> UpdateModelDeploymentAsync(ModelDeploymentRecord deployment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        return WriteAsync(async (connection, transaction, ct) =>
        {
            await using var command = Command(connection, transaction,
                "UPDATE model_deployments SET model_name = @model_name, litellm_params = @litellm_params, model_info = @model_info, " +
                "updated_at_ms = @updated WHERE id = @id");
            AddModel(command, deployment);
            if (await command.ExecuteNonQueryAsync(ct) == 0)
            {
                return false;
            }

            await BumpModelVersionAsync(connection, transaction, ct);
            return true;
        }, cancellationToken);
    }

    public Task<bool> DeleteModelDeploymentAsync(string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        return WriteAsync(async (connection, transaction, ct) =>
        {
            await using var command = Command(connection, transaction, "DELETE FROM model_deployments WHERE id = @id");
            Add(command, "id", id);
            if (await command.ExecuteNonQueryAsync(ct) == 0)
            {
                return false;
            }

            await BumpModelVersionAsync(connection, transaction, ct);
            return true;
        }, cancellationToken);
    }

    private static void AddModel(DbCommand command, ModelDeploymentRecord deployment)
    {
        Add(command, "id", deployment.Id);
        Add(command, "model_name", deployment.ModelName);
        Add(command, "litellm_params", deployment.LitellmParams);
        Add(command, "model_info", deployment.ModelInfo);
        Add(command, "updated", ToMs(deployment.UpdatedAt));
    }

    private static Task BumpModelVersionAsync(DbConnection connection, DbTransaction transaction, CancellationToken ct) =>
        ExecuteAsync(connection, transaction, "UPDATE model_deployments_version SET version = version + 1 WHERE id = 1", ct);
}
