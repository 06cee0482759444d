namespace Switchboard.IntegrationTests.ClaudeCode;

/// <summary>A test that runs the real Claude Code CLI; skipped only when <c>SWITCHBOARD_SKIP_CLAUDE_CODE=1</c>.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ClaudeCodeFactAttribute : FactAttribute
{
    public ClaudeCodeFactAttribute()
    {
        if (ClaudeCodeCli.SkipRequested)
        {
            Skip = "SWITCHBOARD_SKIP_CLAUDE_CODE=1";
        }
    }
}

/// <summary>The theory form of <see cref="ClaudeCodeFactAttribute"/>.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ClaudeCodeTheoryAttribute : TheoryAttribute
{
    public ClaudeCodeTheoryAttribute()
    {
        if (ClaudeCodeCli.SkipRequested)
        {
            Skip = "SWITCHBOARD_SKIP_CLAUDE_CODE=1";
        }
    }
}
