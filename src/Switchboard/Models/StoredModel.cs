using System.Text.Json.Nodes;
using Switchboard.Config;
using Switchboard.Storage;

namespace Switchboard.Models;

/// <summary>One stored deployment opened: its row, its params in the clear, its info, and the checked deployment (null when it failed to load here).</summary>
internal sealed record StoredModel(ModelDeploymentRecord Row, JsonObject Params, JsonObject Info, DeploymentConfig? Deployment);
