using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Switchboard.Protocols.OpenAi;

namespace Switchboard.Tests.Translation;

/// <summary>
/// Golden files sit beside this source file (no csproj copy step): <c>Golden/&lt;set&gt;/&lt;case&gt;.input.*</c> and
/// <c>&lt;case&gt;.expected.*</c>. Set SWITCHBOARD_UPDATE_GOLDEN=1 to rewrite the expected files, then review the diff.
/// </summary>
internal static class GoldenFiles
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Root([CallerFilePath] string path = "") => Path.Combine(Path.GetDirectoryName(path)!, "Golden");

    public static TheoryData<string> Cases(string set)
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Path.Combine(Root(), set), "*.input.*").Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(file);
            data.Add(name[..name.IndexOf(".input.", StringComparison.Ordinal)]);
        }

        return data;
    }

    public static string InputPath(string set, string name) =>
        Directory.GetFiles(Path.Combine(Root(), set), name + ".input.*").Single();

    public static byte[] Input(string set, string name) => File.ReadAllBytes(InputPath(set, name));

    private static bool Update => Environment.GetEnvironmentVariable("SWITCHBOARD_UPDATE_GOLDEN") == "1";

    public static void AssertJson(string set, string name, ReadOnlySpan<byte> actual)
    {
        var path = Path.Combine(Root(), set, name + ".expected.json");
        var actualNode = JsonNode.Parse(actual);
        if (Update)
        {
            File.WriteAllText(path, actualNode!.ToJsonString(Indented) + "\n");
        }

        var expected = JsonNode.Parse(File.ReadAllBytes(path));
        Assert.True(JsonNode.DeepEquals(expected, actualNode),
            $"{set}/{name}: expected\n{expected?.ToJsonString()}\nactual\n{actualNode?.ToJsonString()}");
    }

    /// <summary>Compares SSE streams event by event: same names, semantically equal JSON data (or equal raw text).</summary>
    public static void AssertSse(string set, string name, ReadOnlySpan<byte> actual)
    {
        var path = Path.Combine(Root(), set, name + ".expected.sse");
        if (Update)
        {
            File.WriteAllBytes(path, actual.ToArray());
        }

        var expected = ParseSse(File.ReadAllBytes(path));
        var got = ParseSse(actual);
        var text = Encoding.UTF8.GetString(actual);
        Assert.True(expected.Count == got.Count, $"{set}/{name}: {got.Count} events, expected {expected.Count}\n{text}");
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.True(expected[i].Name == got[i].Name, $"{set}/{name} event {i}: {got[i].Name}, expected {expected[i].Name}\n{text}");
            Assert.True(DataEquals(expected[i].Data, got[i].Data), $"{set}/{name} event {i}: {got[i].Data}, expected {expected[i].Data}");
        }
    }

    public static List<(string? Name, string Data)> ParseSse(ReadOnlySpan<byte> bytes)
    {
        var parser = new SseParser();
        parser.Append(bytes);
        var events = new List<(string?, string)>();
        while (parser.TryReadFinal(out var e))
        {
            events.Add((e.Name, Encoding.UTF8.GetString(e.Data.Span)));
        }

        return events;
    }

    private static bool DataEquals(string expected, string actual)
    {
        try
        {
            return JsonNode.DeepEquals(JsonNode.Parse(expected), JsonNode.Parse(actual));
        }
        catch (JsonException)
        {
            return expected == actual;
        }
    }
}
