using Microsoft.ML.Tokenizers;

namespace Switchboard.Usage;

/// <summary>
/// Local token counts (o200k_base) for usage that an upstream did not report, and for <see cref="Translation.RequestTokens"/>.
/// An estimate for non-OpenAI models, but a stable one: the same text always counts the same.
/// </summary>
internal static class TokenCounter
{
    private static readonly Lazy<Tokenizer> Tokenizer = new(
        () => TiktokenTokenizer.CreateForEncoding("o200k_base"), LazyThreadSafetyMode.ExecutionAndPublication);

    public static int CountText(string? text) => string.IsNullOrEmpty(text) ? 0 : Tokenizer.Value.CountTokens(text);

    public static int CountText(ReadOnlySpan<char> text) => text.IsEmpty ? 0 : Tokenizer.Value.CountTokens(text);
}
