using System.Text;
using Switchboard.Protocols.OpenAi;

namespace Switchboard.Tests.Fuzz;

/// <summary>The SSE parser reads upstream bytes: it throws nothing, and however the bytes are split it yields the same events.</summary>
[Trait("Category", "Fuzz")]
public sealed class SseParserFuzzTests
{
    private static readonly byte[][] Seeds = [.. FuzzSeeds.OpenAiStreams, .. FuzzSeeds.AnthropicStreams];

    [Fact]
    public void TryRead_HostileStreamsSplitAnywhere_NoExceptionSameEvents() =>
        FuzzRun.Check(
            random => (Bytes: random.Next(10) == 0 ? HostileInputs.RandomBytes(random, random.Next(0, 300)) : HostileInputs.MutateSse(Seeds[random.Next(Seeds.Length)], random),
                Split: random.Next()),
            input =>
            {
                var whole = Events([input.Bytes]);
                var split = Events(Pieces(input.Bytes, new Random(input.Split)));
                Assert.Equal(whole, split);
            },
            input => Encoding.Latin1.GetString(input.Bytes));

    internal static IEnumerable<byte[]> Pieces(byte[] bytes, Random random)
    {
        // Pieces of up to 40 bytes, but at most ~64 of them for big inputs: the parser rescans a pending line on every
        // append, so a megabyte line in 20-byte pieces costs seconds (the relay reads 16 KB at a time).
        var max = Math.Max(40, bytes.Length / 64);
        for (var i = 0; i < bytes.Length;)
        {
            var n = Math.Min(bytes.Length - i, random.Next(1, max));
            yield return bytes[i..(i + n)];
            i += n;
        }
    }

    private static List<string> Events(IEnumerable<byte[]> pieces)
    {
        var parser = new SseParser();
        var events = new List<string>();
        foreach (var piece in pieces)
        {
            parser.Append(piece);
            while (parser.TryRead(out var e))
            {
                events.Add(e.Name + "|" + Convert.ToHexString(e.Data.Span));
            }
        }

        while (parser.TryReadFinal(out var e))
        {
            events.Add(e.Name + "|" + Convert.ToHexString(e.Data.Span));
        }

        return events;
    }
}
