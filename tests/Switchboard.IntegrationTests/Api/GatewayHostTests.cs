using Microsoft.Extensions.Configuration;
using Switchboard.IntegrationTests.Infrastructure;

namespace Switchboard.IntegrationTests.Api;

public sealed class GatewayHostTests
{
    /// <summary>
    /// The host's defaults watch appsettings*.json under the content root, which defaults to the working directory and is
    /// watched recursively. The start script runs the gateway from the project folder and appends its log there, so every
    /// log line woke the watcher: measured, this doubled the gateway's CPU per request (120 vs 66 µs) and, started from a
    /// home directory, it would put an inotify watch on every folder below it.
    /// </summary>
    [Fact]
    public async Task Host_WatchesNoFolderForConfigurationChanges()
    {
        await using var gateway = await TestGateway.StartAsync(Configs.Of(Configs.Mock("glm-pool", "dep-a")));
        var configuration = (IConfigurationRoot)gateway.App.Configuration;
        var files = configuration.Providers.OfType<FileConfigurationProvider>().ToList();
        Assert.All(files, file => Assert.False(file.Source.ReloadOnChange, $"{file.Source.Path} is watched for changes"));
        Assert.Equal(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory),
            Path.TrimEndingDirectorySeparator(gateway.App.Environment.ContentRootPath));
    }
}
