using System.Text.Json;

namespace Switchboard.Protocols;

/// <summary>
/// A model list both SDK families read: OpenAI's (<c>object: list</c>, <c>data[].id/object/created/owned_by</c>) and
/// Anthropic's (<c>data[].type/display_name/created_at</c>, <c>has_more</c>, <c>first_id</c>, <c>last_id</c>) in one body.
/// </summary>
internal static class ModelList
{
    public static void Write(Utf8JsonWriter w, IReadOnlyList<string> ids, string ownedBy, DateTimeOffset created)
    {
        w.WriteStartObject();
        w.WriteString("object", "list");
        w.WriteStartArray("data");
        foreach (var id in ids)
        {
            WriteModel(w, id, ownedBy, created);
        }

        w.WriteEndArray();
        w.WriteBoolean("has_more", false);
        if (ids.Count > 0)
        {
            w.WriteString("first_id", ids[0]);
            w.WriteString("last_id", ids[^1]);
        }

        w.WriteEndObject();
    }

    /// <summary>One entry of the list, also the whole answer of <c>GET /v1/models/{model}</c> (OpenAI's and Anthropic's retrieve).</summary>
    public static void WriteModel(Utf8JsonWriter w, string id, string ownedBy, DateTimeOffset created)
    {
        w.WriteStartObject();
        w.WriteString("id", id);
        w.WriteString("object", "model");
        w.WriteNumber("created", created.ToUnixTimeSeconds());
        w.WriteString("owned_by", ownedBy);
        w.WriteString("type", "model");
        w.WriteString("display_name", id);
        w.WriteString("created_at", created.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture));
        w.WriteEndObject();
    }
}
