using System.Text;
using System.Text.Json;
using Switchboard.Usage;

namespace Switchboard.Translation.Gemini;

/// <summary>
/// Token counts of Gemini requests (o200k_base through <see cref="TokenCounter"/>, as for the other client APIs): for
/// <c>:countTokens</c> and for billing a call whose upstream reported no usage.
/// </summary>
internal static class GeminiTokens
{
    private const int PerContentOverhead = 3;
    private const int PerToolOverhead = 8;
    private const int PerMedia = 258;

    /// <summary>Counts a <c>GenerateContentRequest</c>. Throws <see cref="TranslationException"/> on invalid JSON.</summary>
    public static int CountRequest(ReadOnlySpan<byte> json)
    {
        using var document = JsonInput.Parse(json, "The request body");
        return Count(document.RootElement);
    }

    /// <summary>Counts <c>contents</c>, <c>systemInstruction</c> and the function declarations of a request object.</summary>
    public static int Count(JsonElement request)
    {
        var text = new StringBuilder();
        var fixedTokens = 0;
        if (request.TryField("systemInstruction", "system_instruction", out var system))
        {
            fixedTokens += PerContentOverhead;
            AppendParts(text, system, ref fixedTokens);
        }

        if (request.TryField("contents", "", out var contents) && contents.ValueKind == JsonValueKind.Array)
        {
            foreach (var content in contents.EnumerateArray())
            {
                fixedTokens += PerContentOverhead;
                AppendParts(text, content, ref fixedTokens);
            }
        }

        if (request.TryField("tools", "", out var tools) && tools.ValueKind == JsonValueKind.Array)
        {
            foreach (var tool in tools.EnumerateArray())
            {
                if (tool.TryField("functionDeclarations", "function_declarations", out var declarations) && declarations.ValueKind == JsonValueKind.Array)
                {
                    foreach (var declaration in declarations.EnumerateArray())
                    {
                        fixedTokens += PerToolOverhead;
                        text.Append(declaration.GetRawText()).Append('\n');
                    }
                }
            }
        }

        return fixedTokens + TokenCounter.CountText(text.ToString());
    }

    private static void AppendParts(StringBuilder text, JsonElement content, ref int fixedTokens)
    {
        if (content.ValueKind == JsonValueKind.String)
        {
            text.Append(content.GetString()).Append('\n');
            return;
        }

        if (!content.TryField("parts", "", out var parts) || parts.ValueKind != JsonValueKind.Array)
        {
            return;
        }

        foreach (var part in parts.EnumerateArray())
        {
            if (part.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            if (part.GetString("text") is { } partText)
            {
                text.Append(partText).Append('\n');
            }
            else if (part.TryField("functionCall", "function_call", out var call) || part.TryField("functionResponse", "function_response", out call))
            {
                text.Append(call.GetRawText()).Append('\n');
            }
            else if (part.TryField("inlineData", "inline_data", out _) || part.TryField("fileData", "file_data", out _))
            {
                // Google counts an image as 258 tokens; other media vary, and this is an estimate.
                fixedTokens += PerMedia;
            }
        }
    }
}
