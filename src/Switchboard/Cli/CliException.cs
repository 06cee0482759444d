namespace Switchboard.Cli;

/// <summary>A failure the CLI reports as one <c>error:</c> line and an exit code (1: runtime, 2: usage or config).</summary>
internal sealed class CliException : Exception
{
    public CliException()
        : this("error", 1)
    {
    }

    public CliException(string message)
        : this(message, 1)
    {
    }

    public CliException(string message, Exception innerException)
        : base(message, innerException)
    {
        ExitCode = 1;
    }

    public CliException(string message, int exitCode)
        : base(message)
    {
        ExitCode = exitCode;
    }

    public int ExitCode { get; }
}
