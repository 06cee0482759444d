using System.Buffers;
using System.Buffers.Text;
using System.IO.Compression;
using System.Numerics;
using System.Reflection;

namespace Switchboard.Usage;

/// <summary>
/// A tiktoken vocabulary (token bytes → rank) in four flat arrays: the tokens' bytes end to end, where each starts, its
/// rank, and an open-addressing table of entry numbers keyed by the bytes. About 5 MB for o200k_base's 200k tokens,
/// against ~45 MB for the same vocabulary in Microsoft.ML.Tokenizers' three dictionaries (byte arrays, strings and
/// their entries, kept by the library's static cache for the process's life; docs/benchmarks.md, "The tokenizer's
/// 45 MB"). Immutable after construction: safe to read from any thread.
/// </summary>
internal sealed class BpeVocabulary
{
    private const int NotFound = -1;

    private readonly byte[] _bytes;
    private readonly int[] _starts; // entry i's bytes are _bytes[_starts[i].._starts[i + 1]]
    private readonly int[]? _ranks; // null when every entry's rank is its number (the data packages' form)
    private readonly int[] _slots; // entry number + 1; 0 = empty
    private readonly int _mask;

    private BpeVocabulary(byte[] bytes, int[] starts, int[]? ranks, int count)
    {
        _bytes = bytes;
        _starts = starts;
        _ranks = ranks;
        Count = count;
        var size = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, count * 2));
        _slots = new int[size];
        _mask = size - 1;
        for (var entry = 0; entry < count; entry++)
        {
            var slot = Hash(Token(entry)) & _mask;
            while (_slots[slot] != 0)
            {
                slot = (slot + 1) & _mask;
            }

            _slots[slot] = entry + 1;
        }
    }

    /// <summary>Tokens in the vocabulary.</summary>
    public int Count { get; }

    /// <summary>Bytes held by the vocabulary's arrays (what it costs resident).</summary>
    public long SizeInBytes => _bytes.Length + 4L * (_starts.Length + (_ranks?.Length ?? 0) + _slots.Length);

    /// <summary>The rank of the token with exactly these bytes, or -1 when none has them.</summary>
    public int Rank(ReadOnlySpan<byte> token)
    {
        var slot = Hash(token) & _mask;
        int entry;
        while ((entry = _slots[slot]) != 0)
        {
            if (Token(entry - 1).SequenceEqual(token))
            {
                return _ranks is null ? entry - 1 : _ranks[entry - 1];
            }

            slot = (slot + 1) & _mask;
        }

        return NotFound;
    }

    /// <summary>
    /// The vocabulary of a Microsoft.ML.Tokenizers data package (its deflated <c>.tiktoken</c> resource), read straight
    /// from the resource: the library's own loader would build its dictionaries and keep them.
    /// </summary>
    public static BpeVocabulary FromDataPackage(Assembly package, string resourceName)
    {
        ArgumentNullException.ThrowIfNull(package);
        using var compressed = package.GetManifestResourceStream(resourceName)
            ?? throw new InvalidOperationException($"The tokenizer data {resourceName} is missing from {package.GetName().Name}.");
        using var deflate = new DeflateStream(compressed, CompressionMode.Decompress);
        return Read(deflate);
    }

    /// <summary>
    /// Reads a <c>.tiktoken</c> file: one <c>base64-token rank</c> per line, or one <c>base64-token</c> per line ranked by
    /// its number (the data packages' form), optionally after a <c>Capacity: N</c> line.
    /// Parsed in place from pooled buffers (no string per line).
    /// </summary>
    public static BpeVocabulary Read(Stream tiktoken)
    {
        ArgumentNullException.ThrowIfNull(tiktoken);
        var builder = new Builder();
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            var kept = 0;
            int read;
            while ((read = tiktoken.Read(buffer, kept, buffer.Length - kept)) > 0)
            {
                var data = buffer.AsSpan(0, kept + read);
                int newline;
                while ((newline = data.IndexOf((byte)'\n')) >= 0)
                {
                    builder.AddLine(data[..newline]);
                    data = data[(newline + 1)..];
                }

                if (data.Length == buffer.Length)
                {
                    throw new InvalidDataException("A line of the tokenizer data is longer than 64 KiB.");
                }

                data.CopyTo(buffer);
                kept = data.Length;
            }

            builder.AddLine(buffer.AsSpan(0, kept));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return builder.Build();
    }

    private ReadOnlySpan<byte> Token(int entry) => _bytes.AsSpan(_starts[entry], _starts[entry + 1] - _starts[entry]);

    /// <summary>FNV-1a: tokens are short (a few bytes), and the table only needs a spread, not resistance to attack (its keys are fixed).</summary>
    private static int Hash(ReadOnlySpan<byte> bytes)
    {
        var hash = 2166136261u;
        foreach (var b in bytes)
        {
            hash = (hash ^ b) * 16777619u;
        }

        return (int)(hash ^ (hash >> 15));
    }

    private sealed class Builder
    {
        private byte[] _bytes = new byte[64 * 1024];
        private int[] _starts = new int[8 * 1024];
        private int[] _ranks = new int[8 * 1024];
        private bool _ranksAreNumbers = true;
        private int _length;
        private int _count;

        /// <summary>Whether the lines carry their rank (<c>base64 rank</c>) or are ranked by their number (<c>base64</c>); null until the first.</summary>
        private bool? _explicitRanks;
        private int _lineNumber;

        public void AddLine(ReadOnlySpan<byte> line)
        {
            line = line.TrimEnd((byte)'\r');
            if (line.IsEmpty)
            {
                _lineNumber += _explicitRanks is false ? 1 : 0; // as the library ranks by line number: a blank line takes a rank
                return;
            }

            if (line.StartsWith("Capacity: "u8))
            {
                // Sized once from the announced count (at ~8 bytes a token), so that the load allocates little beyond what it keeps.
                if (_count == 0 && System.Buffers.Text.Utf8Parser.TryParse(line["Capacity: "u8.Length..], out int capacity, out _) && capacity is > 0 and <= 16 * 1024 * 1024)
                {
                    _bytes = new byte[capacity * 8];
                    _starts = new int[capacity + 1];
                    _ranks = new int[capacity];
                }

                return;
            }

            var space = line.IndexOf((byte)' ');
            _explicitRanks ??= space >= 0;
            int rank;
            if (_explicitRanks is false)
            {
                space = space < 0 ? line.Length : throw new InvalidDataException("A line of the tokenizer data is not 'base64'.");
                rank = _lineNumber++;
            }
            else if (space <= 0 || !System.Buffers.Text.Utf8Parser.TryParse(line[(space + 1)..], out rank, out var used) || used != line.Length - space - 1)
            {
                throw new InvalidDataException("A line of the tokenizer data is not 'base64 rank'.");
            }

            var base64 = line[..space];
            var decoded = Base64.GetMaxDecodedFromUtf8Length(base64.Length);
            Grow(ref _bytes, _length + decoded);
            if (Base64.DecodeFromUtf8(base64, _bytes.AsSpan(_length), out _, out var written) != OperationStatus.Done || written == 0)
            {
                throw new InvalidDataException("A token of the tokenizer data is not base64.");
            }

            Grow(ref _starts, _count + 2);
            Grow(ref _ranks, _count + 1);
            _starts[_count] = _length;
            _ranks[_count] = rank;
            _ranksAreNumbers &= rank == _count;
            _length += written;
            _count++;
        }

        public BpeVocabulary Build()
        {
            _starts[_count] = _length;
            // The arrays are kept as they are (a few unused slots at the end) unless a quarter of one is unused: no copy to trim.
            return new BpeVocabulary(Fit(_bytes, _length), Fit(_starts, _count + 1), _ranksAreNumbers ? null : Fit(_ranks, _count), _count);
        }

        private static T[] Fit<T>(T[] array, int used) => array.Length - used <= array.Length / 4 ? array : array.AsSpan(0, used).ToArray();

        private static void Grow<T>(ref T[] array, int needed)
        {
            if (needed > array.Length)
            {
                Array.Resize(ref array, Math.Max(needed, array.Length * 2));
            }
        }
    }
}
