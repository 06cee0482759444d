using System.Text;
using Microsoft.ML.Tokenizers;
using Switchboard.Usage;

namespace Switchboard.Tests.Usage;

/// <summary>
/// <see cref="TokenCounter"/> counts on its own compact vocabulary; these hold it to Microsoft.ML.Tokenizers' o200k_base
/// tokenizer, count for count, on texts of every kind a request or an answer carries.
/// </summary>
public sealed class BpeCounterTests
{
    private static readonly Lazy<Tokenizer> Library = new(() => TiktokenTokenizer.CreateForEncoding("o200k_base"));

    public static TheoryData<string> Texts() => new()
    {
        "The quick brown fox jumps over the lazy dog.",
        "Explain in three sentences why a connection pool needs an idle timeout.",
        "I'm sure they'll say it's what we've done; HE'S RIGHT, WE'LL SEE, I'D know.",
        "Numbers: 1 12 123 1234 12345 3.14159 -42 1,000,000 0x1F 2026-12-01T02:08:25Z",
        "def f(x):\n    return {\"a\": [1, 2, 3], 'b': x ** 2}  # comment\n\n\tif x != None:\n\t\tpass\n",
        """{"model":"glm-4.6","messages":[{"role":"user","content":"hi"}],"stream":true,"max_tokens":512}""",
        "Ünïcödé çàfé naïve Straße ÆØÅ Привет, как дела? Γειά σου κόσμε",
        "日本語のテキストと中文文本，还有한국어 텍스트。",
        "emoji 😀👍🏽🇫🇷 👨‍👩‍👧‍👦 and symbols ©®™ ∑∫√∞ ≠ ≤ ≥",
        "tabs\tand\r\nwindows\r\nlines   with    runs      of spaces        \n\n\n\n end",
        "<|endoftext|> special <|endofprompt|> tokens <|fim_prefix|> and <|endoftext|>x",
        "replacement \uFFFD char and zero\u200Bwidth and combining e\u0301 a\u0308",
        "https://example.com/path/to/file.txt?query=1&other=two#frag user@example.org C:\\Windows\\System32",
        "=====================================================================================================================================================",
        "                                                                                                                                                     x",
        "------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------",
        "",
        " ",
        "a",
        "\n",
    };

    [Theory]
    [MemberData(nameof(Texts))]
    public void CountText_Text_EqualsLibraryCount(string text) =>
        Assert.Equal(Library.Value.CountTokens(text), TokenCounter.CountText(text));

    [Fact]
    public void CountText_Span_EqualsStringCount()
    {
        const string text = "Hello there, \"friend\"\nthinking hard{\"path\": \"a.txt\"}";
        Assert.Equal(TokenCounter.CountText(text), TokenCounter.CountText(("xx" + text + "yy").AsSpan(2, text.Length)));
    }

    [Fact]
    public void CountText_LongPiecesPastTheScanMerge_EqualLibraryCount()
    {
        // One pre-tokenizer piece longer than BpeCounter.ScanMergeMaxBytes takes the heap merge.
        var random = new Random(13);
        foreach (var length in new[] { 129, 200, 1_000, 5_000 })
        {
            var letters = new StringBuilder(length);
            var mixed = new StringBuilder(length);
            for (var i = 0; i < length; i++)
            {
                letters.Append((char)('a' + random.Next(26)));
                mixed.Append("!@#$%^&*()_+[]{};:,.<>?/|~`"[random.Next(27)]);
            }

            Assert.Equal(Library.Value.CountTokens(letters.ToString()), TokenCounter.CountText(letters.ToString()));
            Assert.Equal(Library.Value.CountTokens(mixed.ToString()), TokenCounter.CountText(mixed.ToString()));
            Assert.Equal(Library.Value.CountTokens(new string('é', length)), TokenCounter.CountText(new string('é', length)));
        }
    }

    [Fact]
    public void CountText_RandomCorpus_EqualsLibraryCountText()
    {
        // Words of many scripts and lengths, digits, punctuation and whitespace, from a fixed seed: each text and their sum.
        string[] alphabets =
        [
            "abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "0123456789", " \t\n\r", ".,;:!?'\"()[]{}<>-_=+*/\\|@#$%^&~`",
            "àéîõüçñßøå", "абвгдежзийклмнопрстуфхцчшщыэюя", "αβγδεζηθικλμνξοπρστυφχψω", "的一是不了人我在有他这中大来上个国",
            "あいうえおかきくけこアイウエオ", "가나다라마바사아자차카타파하", "😀😃😄😁👍🔥✨🎉",
        ];
        var random = new Random(2026);
        var total = 0;
        var corpus = new StringBuilder();
        for (var text = 0; text < 300; text++)
        {
            var builder = new StringBuilder();
            for (var word = random.Next(1, 40); word > 0; word--)
            {
                var alphabet = alphabets[random.Next(alphabets.Length)];
                for (var c = random.Next(1, 14); c > 0; c--)
                {
                    var at = random.Next(alphabet.Length);
                    builder.Append(char.IsHighSurrogate(alphabet[at]) ? alphabet.AsSpan(at, 2) : char.IsLowSurrogate(alphabet[at]) ? alphabet.AsSpan(at - 1, 2) : alphabet.AsSpan(at, 1));
                }

                builder.Append(random.Next(4) == 0 ? "" : " ");
            }

            var sample = builder.ToString();
            Assert.Equal(Library.Value.CountTokens(sample), TokenCounter.CountText(sample));
            total += TokenCounter.CountText(sample);
            corpus.Append(sample);
        }

        Assert.True(total > 3_000, $"corpus too small to mean anything: {total} tokens");
        Assert.Equal(Library.Value.CountTokens(corpus.ToString()), TokenCounter.CountText(corpus.ToString()));
    }

    [Fact]
    public void Read_O200kData_HoldsEveryTokenInAFewMegabytes()
    {
        var data = Type.GetType("Microsoft.ML.Tokenizers.O200kBaseTokenizerData, Microsoft.ML.Tokenizers.Data.O200kBase", throwOnError: true)!;
        var vocabulary = BpeVocabulary.FromDataPackage(data.Assembly, "o200k_base.tiktoken.deflate");

        Assert.Equal(199_998, vocabulary.Count);
        Assert.InRange(vocabulary.SizeInBytes, 1_000_000, 8_000_000);
        Assert.Equal(0, vocabulary.Rank("!"u8));
        Assert.Equal(-1, vocabulary.Rank("<|endoftext|>"u8));
        Assert.True(vocabulary.Rank(" the"u8) >= 0);
    }

    [Fact]
    public void Read_TiktokenLines_RanksEachTokenAndRejectsBadLines()
    {
        // "a" 0, "b" 1, "ab" 2, after the optional capacity line; CRLF endings and a missing final newline are fine.
        var vocabulary = BpeVocabulary.Read(new MemoryStream("Capacity: 3\r\nYQ== 0\r\nYg== 1\nYWI= 2"u8.ToArray()));
        Assert.Equal(3, vocabulary.Count);
        Assert.Equal(2, vocabulary.Rank("ab"u8));
        Assert.Equal(1, vocabulary.Rank("b"u8));
        Assert.Equal(-1, vocabulary.Rank("ba"u8));

        var byLine = BpeVocabulary.Read(new MemoryStream("Capacity: 3\r\nYQ==\r\nYg==\r\n\r\nYWI=\r\n"u8.ToArray()));
        Assert.Equal(3, byLine.Rank("ab"u8)); // ranked by line number, the blank line taking rank 2 (as the library does)

        Assert.Throws<InvalidDataException>(() => BpeVocabulary.Read(new MemoryStream("YQ==\nYg== 1\n"u8.ToArray())));
        Assert.Throws<InvalidDataException>(() => BpeVocabulary.Read(new MemoryStream("*** 0\n"u8.ToArray())));
    }

    [Fact]
    public void CountMerged_TieOnRank_MergesLeftmostFirst()
    {
        // Vocabulary a, b, ab (rank 2), ba (rank 3), aba (rank 4). "abab": both "ab" pairs merge before "ba" (lower rank,
        // leftmost first), and "abab" is no token: two. "aba": "ab" first, then "ab"+"a" is "aba": one. The same on a
        // piece long enough for the heap merge (201 bytes) and a short one (the scan): every "ab" first, then the last "aba".
        var vocabulary = BpeVocabulary.Read(new MemoryStream("YQ== 0\nYg== 1\nYWI= 2\nYmE= 3\nYWJh 4\n"u8.ToArray()));
        var counter = new BpeCounter(vocabulary, TokenCounter.PreTokenizerOf("gpt-4o"), []);
        Assert.Equal(2, counter.CountMerged("abab"u8));
        Assert.Equal(1, counter.CountMerged("aba"u8));
        var longText = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("ab", 100)) + "a");
        Assert.Equal(100, counter.CountMerged(longText)); // "ab" x 99, then "aba"
        Assert.Equal(50, counter.CountMerged(longText.AsSpan(0, 100)));
        Assert.Equal(50, counter.CountMerged(longText.AsSpan(0, 101))); // "ab" x 49, then "aba"

    }

    [Fact]
    public void CountText_Sentences_AllocatesNothingPerPiece()
    {
        // Every answer without a usage chunk is counted (the delivered text, once per call). The special tokens were held
        // as an interface and enumerated per piece, a boxed enumerator each: ~1.4 KB for a 200-character answer, 6.6 KB
        // per streamed call in bench/micro.sh (docs/benchmarks.md). What is left is per text (the pre-tokenizer's iterator).
        var text = string.Concat(Enumerable.Repeat("The gateway spreads your calls over every key in the pool. ", 8));
        TokenCounter.CountText(text);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var count = TokenCounter.CountText(text);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(count > 80, $"{count} tokens");
        Assert.True(allocated <= 256, $"{allocated} B allocated for {count} tokens");
    }
}
