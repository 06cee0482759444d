using Microsoft.ML.Tokenizers;

namespace Switchboard.Usage;

/// <summary>
/// Local token counts (o200k_base) for usage that an upstream did not report, and for <see cref="Translation.RequestTokens"/>.
/// An estimate for non-OpenAI models, but a stable one: the same text always counts the same.
/// </summary>
/// <remarks>
/// The counts are Microsoft.ML.Tokenizers' (its o200k_base data and pre-tokenizer) on a compact copy of the vocabulary
/// (<see cref="BpeVocabulary"/>, ~5 MB): the library's own tokenizer keeps ~45 MB for the process's life once any call
/// needs a count (a cut stream's bill, architecture decision 5), which alone was a third of the memory target of 1,000
/// streams (docs/benchmarks.md, "The tokenizer's 45 MB"). Loaded at the first count, kept after it.
/// </remarks>
internal static class TokenCounter
{
    /// <summary>The o200k_base encoding's special tokens (the library's own list for it): each counts as one token.</summary>
    private static readonly string[] SpecialTokens = ["<|endoftext|>", "<|endofprompt|>"];

    private static readonly Lazy<BpeCounter> Counter = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    public static int CountText(string? text) => string.IsNullOrEmpty(text) ? 0 : Counter.Value.CountTokens(text);

    public static int CountText(ReadOnlySpan<char> text) => text.IsEmpty ? 0 : Counter.Value.CountTokens(text);

    /// <summary>True once the vocabulary is loaded (for tests and the memory benchmark's notes).</summary>
    internal static bool Loaded => Counter.IsValueCreated;

    private static BpeCounter Load()
    {
        // The data package's resource, read without the library's loader (whose dictionaries its static cache keeps). The
        // type is named by a constant string, which the trimmer and the AOT compiler resolve and keep (the library does the same).
        var data = Type.GetType("Microsoft.ML.Tokenizers.O200kBaseTokenizerData, Microsoft.ML.Tokenizers.Data.O200kBase", throwOnError: true)!;
        var vocabulary = BpeVocabulary.FromDataPackage(data.Assembly, "o200k_base.tiktoken.deflate");
        return new BpeCounter(vocabulary, PreTokenizerOf("gpt-4o"), SpecialTokens);
    }

    /// <summary>
    /// The library's pre-tokenizer for a model's encoding (its regex and special tokens), taken from a tokenizer built on
    /// a one-token vocabulary: the library offers that pre-tokenizer only with a tokenizer.
    /// </summary>
    internal static PreTokenizer PreTokenizerOf(string model)
    {
        using var oneToken = new MemoryStream("IQ== 0\n"u8.ToArray(), writable: false);
        return TiktokenTokenizer.CreateForModel(model, oneToken, cacheSize: 1).PreTokenizer
            ?? throw new InvalidOperationException($"The tokenizer of {model} has no pre-tokenizer.");
    }
}
