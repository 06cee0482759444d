using System.Text;
using System.Text.Json;
using Switchboard.Usage;

namespace Switchboard.Translation;

/// <summary>
/// Token counts of whole requests (o200k_base through <see cref="TokenCounter"/>) for <c>count_tokens</c> and for billing a
/// call whose upstream reported no usage. It reads each client API's request shape, so it lives with the translators.
/// </summary>
internal static class RequestTokens
{
    private const int PerMessageOverhead = 3;
    private const int PerToolOverhead = 8;
    private const int PerImage = 1_000;

    /// <summary>Counts an Anthropic Messages request (system, messages, tools). Throws <see cref="TranslationException"/> on invalid JSON.</summary>
    public static int CountAnthropicRequest(ReadOnlySpan<byte> json)
    {
        using var document = JsonInput.Parse(json, "The request body");
        var root = document.RootElement;
        var text = new StringBuilder();
        var fixedTokens = PerMessageOverhead;
        if (root.TryGetProperty("system", out var system))
        {
            AppendContent(text, system, ref fixedTokens);
            fixedTokens += PerMessageOverhead;
        }

        if (root.TryGet("messages", JsonValueKind.Array, out var messages))
        {
            foreach (var message in messages.EnumerateArray())
            {
                fixedTokens += PerMessageOverhead;
                if (message.ValueKind == JsonValueKind.Object && message.TryGetProperty("content", out var content))
                {
                    AppendContent(text, content, ref fixedTokens);
                }
            }
        }

        if (root.TryGet("tools", JsonValueKind.Array, out var tools))
        {
            foreach (var tool in tools.EnumerateArray())
            {
                if (tool.ValueKind != JsonValueKind.Object)
                {
                    continue;
                }

                fixedTokens += PerToolOverhead;
                text.Append(tool.GetString("name")).Append('\n').Append(tool.GetString("description")).Append('\n');
                if (tool.TryGetProperty("input_schema", out var schema))
                {
                    text.Append(schema.GetRawText()).Append('\n');
                }
            }
        }

        return fixedTokens + TokenCounter.CountText(text.ToString());
    }

    /// <summary>
    /// Counts an OpenAI chat request (messages' text parts, tool calls, tools); for billing a call whose upstream reported
    /// no usage. Throws <see cref="TranslationException"/> on invalid JSON.
    /// </summary>
    public static int CountOpenAiRequest(ReadOnlySpan<byte> json)
    {
        using var document = JsonInput.Parse(json, "The request body");
        var root = document.RootElement;
        var text = new StringBuilder();
        var fixedTokens = PerMessageOverhead;
        if (root.TryGet("messages", JsonValueKind.Array, out var messages))
        {
            foreach (var message in messages.EnumerateArray())
            {
                fixedTokens += PerMessageOverhead;
                if (message.ValueKind != JsonValueKind.Object)
                {
                    continue;
                }

                if (message.TryGetProperty("content", out var content))
                {
                    AppendOpenAiContent(text, content, ref fixedTokens);
                }

                if (message.TryGet("tool_calls", JsonValueKind.Array, out var calls))
                {
                    foreach (var call in calls.EnumerateArray())
                    {
                        if (call.ValueKind == JsonValueKind.Object && call.TryGet("function", JsonValueKind.Object, out var function))
                        {
                            text.Append(function.GetString("name")).Append('\n').Append(function.GetString("arguments")).Append('\n');
                        }
                    }
                }
            }
        }
        else if (root.TryGetProperty("prompt", out var prompt))
        {
            AppendOpenAiContent(text, prompt, ref fixedTokens);
        }

        if (root.TryGet("tools", JsonValueKind.Array, out var tools))
        {
            foreach (var tool in tools.EnumerateArray())
            {
                if (tool.ValueKind == JsonValueKind.Object)
                {
                    fixedTokens += PerToolOverhead;
                    text.Append(tool.GetRawText()).Append('\n');
                }
            }
        }

        return fixedTokens + TokenCounter.CountText(text.ToString());
    }

    private static void AppendOpenAiContent(StringBuilder text, JsonElement content, ref int fixedTokens)
    {
        if (content.ValueKind == JsonValueKind.String)
        {
            text.Append(content.GetString()).Append('\n');
            return;
        }

        if (content.ValueKind != JsonValueKind.Array)
        {
            return;
        }

        foreach (var part in content.EnumerateArray())
        {
            if (part.ValueKind == JsonValueKind.String)
            {
                text.Append(part.GetString()).Append('\n');
            }
            else if (part.ValueKind == JsonValueKind.Object)
            {
                if (part.GetString("type") is "image_url" or "input_audio" or "file")
                {
                    fixedTokens += PerImage;
                }
                else
                {
                    text.Append(part.GetString("text")).Append('\n');
                }
            }
        }
    }

    /// <summary>The <c>count_tokens</c> answer.</summary>
    public static byte[] CountTokensResponse(int inputTokens) => Encoding.UTF8.GetBytes($"{{\"input_tokens\":{inputTokens}}}");

    /// <summary>
    /// The text of a message's content, read as the translation to OpenAI reads it (docs/compatibility.md, content
    /// blocks): the blocks it has no mapping for, and documents, count the text <see cref="AnthropicRequestTranslator"/>
    /// sends for them, not a flat figure or nothing. Images and documents no upstream but Anthropic reads count a flat
    /// figure. Liberal: a block the translation would refuse counts what it can (count_tokens refuses those before).
    /// </summary>
    private static void AppendContent(StringBuilder text, JsonElement content, ref int fixedTokens)
    {
        if (content.ValueKind == JsonValueKind.String)
        {
            text.Append(content.GetString()).Append('\n');
            return;
        }

        if (content.ValueKind != JsonValueKind.Array)
        {
            return;
        }

        foreach (var block in content.EnumerateArray())
        {
            if (block.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            switch (block.GetString("type"))
            {
                case "text":
                    text.Append(block.GetString("text")).Append('\n');
                    break;
                case "thinking":
                    text.Append(block.GetString("thinking")).Append('\n');
                    break;
                case "tool_use" or "server_tool_use" or "mcp_tool_use":
                    // The server tools' calls reach Anthropic as they are (the translation leaves them out).
                    text.Append(block.GetString("name")).Append('\n');
                    if (block.TryGetProperty("input", out var input))
                    {
                        text.Append(input.GetRawText()).Append('\n');
                    }

                    break;
                case "tool_result":
                    if (block.TryGetProperty("content", out var result))
                    {
                        AppendContent(text, result, ref fixedTokens);
                    }

                    break;
                case "image":
                    fixedTokens += PerImage;
                    break;
                case "document":
                    if (DocumentText(block) is { } document)
                    {
                        text.Append(document).Append('\n');
                    }
                    else
                    {
                        fixedTokens += PerImage;
                    }

                    break;
                case null:
                    break;
                default:
                    text.Append(AnthropicRequestTranslator.CarriedBlockText(block)).Append('\n');
                    break;
            }
        }
    }

    /// <summary>The document's text as the translation reads it (its notes are nobody's here), or null.</summary>
    private static string? DocumentText(JsonElement block)
    {
        try
        {
            return AnthropicRequestTranslator.ReadableDocumentText(block, "document", new TranslationNotes());
        }
        catch (TranslationException)
        {
            return null;
        }
    }
}
