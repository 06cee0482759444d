namespace Switchboard.Tests.Config;

internal static class ConfigTestData
{
    /// <summary>The user's setup guide, its model_list and router_settings snippets verbatim, one after the other.</summary>
    public const string GuideYaml = """
        model_list:
          - model_name: glm-pool
            litellm_params:
              model: openai/glm-4
              api_key: YOUR_GLM_API_KEY_1
              api_base: "https://api.z.ai/v1"

          - model_name: glm-pool
            litellm_params:
              model: openai/glm-4
              api_key: YOUR_GLM_API_KEY_2
              api_base: "https://api.z.ai/v1"

          # Add more keys as needed...

        router_settings:
          # Options: round-robin, usage-based-routing, least-connections
          routing_strategy: "round-robin"

          # Number of retries for failed requests
          num_retries: 3

          # Cooldown time (seconds) when a key hits rate limits
          cooldown_time: 60

          # Request timeout (seconds)
          request_timeout: 300
        """;

    public static Func<string, string?> Env(params (string Name, string Value)[] vars)
    {
        var map = vars.ToDictionary(v => v.Name, v => v.Value);
        return name => map.GetValueOrDefault(name);
    }

    public static readonly Func<string, string?> NoEnv = _ => null;

    /// <summary>A file of the repository, found by walking up from the test binaries to the solution.</summary>
    public static string RepoFile(string relativePath)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Switchboard.sln")))
            {
                return Path.Combine(dir.FullName, relativePath);
            }
        }

        throw new InvalidOperationException("Switchboard.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>A minimal valid model_list entry, for tests about other sections.</summary>
    public const string OneMock = """
        model_list:
          - model_name: pool
            litellm_params:
              model: mock/m
        """;
}
