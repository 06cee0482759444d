using System.Text.Json.Nodes;
using Switchboard.Translation.Responses;

namespace Switchboard.Tests.Translation.Responses;

public sealed class CustomToolInputTests
{
    private const string Alphabet = "ab \"\\/\n\té世界👋{}[]:,*+-";

    [Theory]
    [InlineData("{\"input\":\"*** Begin Patch\\n\"}", "*** Begin Patch\n")]
    [InlineData("{\"cmd\":\"only one string\"}", "only one string")]
    [InlineData("{\"a\":\"x\",\"b\":\"y\"}", "{\"a\":\"x\",\"b\":\"y\"}")]
    [InlineData("bare text", "bare text")]
    [InlineData("\"a JSON string\"", "a JSON string")]
    [InlineData("", "")]
    public void FromArguments_Shapes_TextOfTheInput(string arguments, string expected) =>
        Assert.Equal(expected, CustomToolInput.FromArguments(arguments));

    [Fact]
    public void Append_RandomInputSplitAnywhere_DeltasAddUpToTheWholeInput()
    {
        var random = new Random(7);
        for (var run = 0; run < 300; run++)
        {
            var text = string.Concat(Enumerable.Range(0, random.Next(0, 40)).Select(_ => Pick(random)));
            var arguments = new JsonObject { ["input"] = text }.ToJsonString(new System.Text.Json.JsonSerializerOptions
            {
                // Both forms an upstream may send: escaped (\u00e9, \ud83d\udc4b) and raw UTF-8.
                Encoder = run % 2 == 0 ? System.Text.Encodings.Web.JavaScriptEncoder.Default : System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            });
            if (run % 3 == 0)
            {
                arguments = arguments.Replace("{\"input\":", " { \"input\" : ", StringComparison.Ordinal);
            }

            var decoder = new CustomToolInput();
            var streamed = new System.Text.StringBuilder();
            var at = 0;
            while (at < arguments.Length)
            {
                var length = Math.Min(arguments.Length - at, random.Next(1, 6));
                var piece = decoder.Append(arguments.Substring(at, length));
                Assert.False(piece.Length > 0 && char.IsHighSurrogate(piece[^1]), "a delta ends in half a character");
                streamed.Append(piece);
                at += length;
            }

            Assert.Equal(text, streamed.ToString());
            Assert.Equal(text, CustomToolInput.FromArguments(arguments));
        }
    }

    [Fact]
    public void Append_OtherKeyFirst_GivesNothingSoTheEndSendsTheWhole()
    {
        var decoder = new CustomToolInput();

        Assert.Equal("", decoder.Append("{\"path\":\"a\",\"input\":\"b\"}"));
    }

    [Fact]
    public void ToArguments_RoundTrip_SameText()
    {
        const string text = "*** Begin Patch\n+\"é\" 👋\\\n*** End Patch";

        Assert.Equal(text, CustomToolInput.FromArguments(CustomToolInput.ToArguments(text)));
    }

    private static string Pick(Random random)
    {
        var i = random.Next(Alphabet.Length);
        return char.IsHighSurrogate(Alphabet[i]) ? Alphabet.Substring(i, 2) : char.IsLowSurrogate(Alphabet[i]) ? Alphabet.Substring(i - 1, 2) : Alphabet[i].ToString();
    }
}
