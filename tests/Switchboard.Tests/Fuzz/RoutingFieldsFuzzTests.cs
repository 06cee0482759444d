using System.Text;
using System.Text.Json;
using Switchboard.Api;

namespace Switchboard.Tests.Fuzz;

/// <summary>
/// <see cref="RoutingFields"/> may only throw <see cref="JsonException"/>; a body it accepts is one every later reader can
/// decode (each string and name is valid Unicode, within the depth limit), and <see cref="RoutingFields.Rewrite"/> of it
/// is again a body with the new model and the same shape.
/// </summary>
[Trait("Category", "Fuzz")]
public sealed class RoutingFieldsFuzzTests
{
    private static readonly byte[][] Seeds = [.. FuzzSeeds.OpenAiRequests, .. FuzzSeeds.AnthropicRequests];

    [Fact]
    public void Parse_HostileBodies_OnlyJsonExceptionAndAcceptedBodiesDecodeAndRewrite() =>
        FuzzRun.Check(
            random => random.Next(10) == 0 ? HostileInputs.RandomBytes(random, random.Next(0, 200)) : HostileInputs.Mutate(Seeds[random.Next(Seeds.Length)], random),
            body =>
            {
                RoutingFields fields;
                try
                {
                    fields = RoutingFields.Parse(body);
                }
                catch (JsonException)
                {
                    return;
                }

                _ = RequestChecks.Check(fields, RequestKind.OpenAiChat);
                _ = RequestChecks.Check(fields, RequestKind.Anthropic);
                using (var document = JsonDocument.Parse(body, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip }))
                {
                    DecodeAll(document.RootElement);
                }

                if (fields.ModelIsString)
                {
                    var rewritten = fields.Rewrite(body, "glm-\"x\"", addStreamUsage: true);
                    var again = RoutingFields.Parse(rewritten);
                    Assert.Equal("glm-\"x\"", again.Model);
                    Assert.Equal(fields.Stream, again.Stream);
                    Assert.Equal(fields.Messages, again.Messages);
                    Assert.Equal(fields.User, again.User);
                }
            },
            body => Encoding.Latin1.GetString(body));

    /// <summary>What the translators and the token counter do to every string: none may throw.</summary>
    private static void DecodeAll(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    _ = property.Name;
                    DecodeAll(property.Value);
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    DecodeAll(item);
                }

                break;
            case JsonValueKind.String:
                _ = element.GetString();
                break;
        }
    }
}
