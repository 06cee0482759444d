namespace Switchboard.IntegrationTests.Infrastructure;

/// <summary>
/// Test classes that hold the gateway to real time under load of their own (pacing to an upstream's rate windows,
/// a SIGTERM during 2000 calls): xunit runs them after the parallel classes, one at a time, so that the rest of the
/// suite neither starves them of CPU (a loaded run failed their rate bounds) nor is slowed by their load.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TimingSensitiveCollection
{
    public const string Name = "timing-sensitive";
}
