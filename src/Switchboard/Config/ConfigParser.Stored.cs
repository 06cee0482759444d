using YamlDotNet.RepresentationModel;

namespace Switchboard.Config;

// One deployment kept outside the file (general_settings.store_model_in_db: the database), checked as a model_list entry is.
internal sealed partial class ConfigParser
{
    /// <summary>
    /// Parses one <c>model_list</c> entry on its own (<paramref name="path"/> names it in errors), resolving its
    /// <c>os.environ/NAME</c> references now: the stored text keeps the reference, each load resolves it again.
    /// </summary>
    public static (DeploymentConfig? Deployment, IReadOnlyList<ConfigError> Errors) ParseOne(
        YamlNode node, int index, string path, Func<string, string?> getEnv)
    {
        var parser = new ConfigParser(getEnv);
        var parsed = parser.ParseDeployment(node, index, path);
        return parser._errors.Count > 0 || parsed is null ? (null, parser._errors) : (parsed.Value.Deployment, []);
    }
}
