using System.Text;
using Microsoft.Extensions.Logging;
using Switchboard.Translation;

namespace Switchboard.Tests.Translation;

public sealed class TranslationNotesTests
{
    [Fact]
    public void ToOpenAi_WithDebugLogger_LogsEachNoteWithoutPromptText()
    {
        var logger = new ListLogger(LogLevel.Debug);
        const string Body = """{"model":"claude","max_tokens":10,"context_management":{},"messages":[{"role":"user","content":[{"type":"server_tool_use","input":{"q":"secret prompt"}},{"type":"text","text":"secret prompt"}]}]}""";

        AnthropicRequestTranslator.ToOpenAi(Encoding.UTF8.GetBytes(Body), new AnthropicToOpenAiOptions { UpstreamModel = "gpt-4.1", Logger = logger });

        Assert.Equal(2, logger.Lines.Count);
        Assert.Contains(logger.Lines, l => l.Contains("server_tool_use", StringComparison.Ordinal));
        Assert.Contains(logger.Lines, l => l.Contains("context_management", StringComparison.Ordinal));
        Assert.DoesNotContain(logger.Lines, l => l.Contains("secret prompt", StringComparison.Ordinal));
    }

    [Fact]
    public void ToAnthropic_LoggerAboveDebug_LogsNothing()
    {
        var logger = new ListLogger(LogLevel.Information);
        const string Body = """{"model":"gpt","seed":1,"messages":[{"role":"critic","content":"x"}]}""";

        var result = OpenAiRequestTranslator.ToAnthropic(Encoding.UTF8.GetBytes(Body), new OpenAiToAnthropicOptions { UpstreamModel = "claude", Logger = logger });

        Assert.Equal(2, result.Notes.Count);
        Assert.Empty(logger.Lines);
    }

    private sealed class ListLogger(LogLevel minimum) : ILogger
    {
        public List<string> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                Lines.Add(formatter(state, exception));
            }
        }
    }
}
