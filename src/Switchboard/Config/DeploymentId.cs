using System.Security.Cryptography;
using System.Text;

namespace Switchboard.Config;

/// <summary>
/// The id of a deployment without <c>model_info.id</c>: a hash, so that it survives restarts
/// (stats, logs and <c>x-litellm-model-id</c> stay comparable) and does not reveal the key.
/// </summary>
internal static class DeploymentId
{
    public const int Length = 12;

    public static string Compute(string modelName, string model, string apiBase, string? apiKey)
    {
        // NUL separators: no two different tuples can produce the same input.
        var input = string.Join('\0', modelName, model, apiBase, apiKey ?? "");
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(input));
        return Convert.ToHexStringLower(hash)[..Length];
    }
}
