using System.Text.Encodings.Web;
using System.Text.Json;

namespace Switchboard.Protocols.Anthropic;

/// <summary>Writer options shared by both protocols: the output is JSON for API clients, never HTML, so non-ASCII stays readable.</summary>
internal static class JsonWriting
{
    public static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
