namespace Switchboard.IntegrationTests.Infrastructure;

/// <summary>A theory that runs an <see cref="NpmCli"/>; skipped, saying why, only when its <c>SWITCHBOARD_SKIP_ID=1</c>.</summary>
[AttributeUsage(AttributeTargets.Method)]
public abstract class NpmCliTheoryAttribute : TheoryAttribute
{
    private protected NpmCliTheoryAttribute(NpmCli cli)
    {
        if (cli.SkipRequested)
        {
            Skip = $"{cli.SkipVariable}=1: the {cli.Name} end-to-end tests are skipped";
        }
    }
}
