using System.CommandLine;

namespace Switchboard.Cli;

/// <summary>
/// <c>switchboard [--config FILE] [--port N] [--host H] [--detailed_debug]</c> serves, like LiteLLM's CLI;
/// subcommands: check, mock-provider, status, top, deployments, reload, keys, usage.
/// </summary>
internal static class SwitchboardCli
{
    public static int Run(string[] args)
    {
        var root = BuildRoot();
        return root.Parse(args).Invoke();
    }

    internal static RootCommand BuildRoot()
    {
        var config = new Option<string?>("--config", "-c") { Description = "LiteLLM-schema config file (default: $LITELLM_CONFIG, else ./litellm-config.yaml)" };
        var port = new Option<int?>("--port", "-p") { Description = "Port to listen on (default: $LITELLM_PORT, else 4000)" };
        var host = new Option<string>("--host") { Description = "Address to bind", DefaultValueFactory = _ => "0.0.0.0" };
        var debug = new Option<bool>("--detailed_debug", "--debug") { Description = "Debug-level logs" };
        var sslKey = new Option<string?>("--ssl_keyfile_path") { Description = "PEM private key for HTTPS (with --ssl_certfile_path; default: general_settings.ssl_keyfile_path)" };
        var sslCert = new Option<string?>("--ssl_certfile_path") { Description = "PEM certificate for HTTPS; HTTP/1.1 and HTTP/2 by ALPN (default: general_settings.ssl_certfile_path)" };

        var root = new RootCommand("Switchboard: one OpenAI- and Anthropic-compatible endpoint in front of many LLM API keys.")
        {
            config, port, host, debug, sslKey, sslCert,
        };
        root.SetAction((parse, ct) => ServeCommand.RunAsync(
            parse.GetValue(config), parse.GetValue(port), parse.GetValue(host)!, parse.GetValue(debug), ct, parse.GetValue(sslKey), parse.GetValue(sslCert)));

        var checkConfig = new Option<string?>("--config", "-c") { Description = "Config file to validate" };
        var check = new Command("check", "Validate a config file and print the model groups and deployments it defines (keys masked).") { checkConfig };
        check.SetAction(parse => CheckCommand.Run(parse.GetValue(checkConfig), Console.Out, Console.Error));
        root.Subcommands.Add(check);

        var mockPort = new Option<int>("--port", "-p") { Description = "Port of the mock provider", DefaultValueFactory = _ => 4010 };
        var mockHost = new Option<string>("--host") { Description = "Address to bind", DefaultValueFactory = _ => "127.0.0.1" };
        var mock = new Command("mock-provider", "Run the fault-injecting mock LLM provider (OpenAI and Anthropic formats) for tests and benchmarks.")
        {
            mockPort, mockHost,
        };
        mock.SetAction((parse, ct) => MockProviderCommand.RunAsync(parse.GetValue(mockHost)!, parse.GetValue(mockPort), ct));
        root.Subcommands.Add(mock);

        var statusUrl = new Option<string?>("--url") { Description = "Gateway URL (default: $LITELLM_PROXY_URL, else http://localhost:$LITELLM_PORT)" };
        var statusKey = new Option<string?>("--master-key") { Description = "Master key, when the gateway has one (default: $LITELLM_MASTER_KEY)" };
        var status = new Command("status", "Show live usage per deployment of a running gateway: requests, failures, 429s, tokens, latency, cooldowns.")
        {
            statusUrl, statusKey,
        };
        status.SetAction((parse, ct) => StatusCommand.RunAsync(
            parse.GetValue(statusUrl) ?? DefaultUrl(),
            parse.GetValue(statusKey) ?? Environment.GetEnvironmentVariable("LITELLM_MASTER_KEY"),
            Console.Out, Console.Error, ct));
        root.Subcommands.Add(status);
        root.Subcommands.Add(BuildTop());
        root.Subcommands.Add(DeploymentsCommand.Build(Console.Out, Console.Error));
        root.Subcommands.Add(ReloadCommand.Build(Console.Out, Console.Error));
        root.Subcommands.Add(KeysCommand.Build(Console.Out, Console.Error, TimeProvider.System));
        root.Subcommands.Add(UsageCommand.Build(Console.Out, Console.Error, TimeProvider.System));
        return root;
    }

    private static Command BuildTop()
    {
        var url = new Option<string?>("--url") { Description = "Gateway URL (default: $LITELLM_PROXY_URL, else http://localhost:$LITELLM_PORT)" };
        var key = new Option<string?>("--master-key") { Description = "Master key, when the gateway has one (default: $LITELLM_MASTER_KEY)" };
        var interval = new Option<double>("--interval", "-n") { Description = "Seconds between refreshes", DefaultValueFactory = _ => 2 };
        var top = new Command("top", "Live view of the pools of a running gateway (the dashboard's Pools page in the terminal); q quits.")
        {
            url, key, interval,
        };
        top.SetAction((parse, ct) => TopCommand.RunAsync(
            parse.GetValue(url) ?? DefaultUrl(),
            parse.GetValue(key) ?? Environment.GetEnvironmentVariable("LITELLM_MASTER_KEY"),
            TimeSpan.FromSeconds(Math.Max(0.2, parse.GetValue(interval))),
            Console.Out, Console.Error,
            () => !Console.IsInputRedirected && Console.KeyAvailable ? Console.ReadKey(intercept: true).KeyChar : null,
            () => Console.IsOutputRedirected ? 200 : Console.WindowWidth,
            ct));
        return top;
    }

    internal static string DefaultUrl() =>
        Environment.GetEnvironmentVariable("LITELLM_PROXY_URL") is { Length: > 0 } url ? url
        : "http://localhost:" + (Environment.GetEnvironmentVariable("LITELLM_PORT") is { Length: > 0 } port ? port : "4000");

    /// <summary>The config path in force: the flag, else LITELLM_CONFIG, else ./litellm-config.yaml.</summary>
    internal static string ResolveConfigPath(string? flag) =>
        flag ?? (Environment.GetEnvironmentVariable("LITELLM_CONFIG") is { Length: > 0 } env ? env : "litellm-config.yaml");
}
