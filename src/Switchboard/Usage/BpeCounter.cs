using System.Buffers;
using System.Text;
using Microsoft.ML.Tokenizers;

namespace Switchboard.Usage;

/// <summary>
/// Counts the tokens of a text the way Microsoft.ML.Tokenizers' <see cref="TiktokenTokenizer"/> does, on a
/// <see cref="BpeVocabulary"/>: the library's own pre-tokenizer splits the text (the encoding's regex and special
/// tokens), then each piece is one token when the vocabulary has it whole, else tiktoken's byte-pair merge (the
/// lowest-ranked adjacent pair first, the leftmost on a tie) and the count is what is left. Only counts: no ids, no
/// offsets, no cache. Parity with the library is a test (<c>BpeCounterTests</c>).
/// </summary>
internal sealed class BpeCounter(BpeVocabulary vocabulary, PreTokenizer preTokenizer, string[] specialTokens)
{
    /// <summary>Pieces up to this many bytes merge by scanning (cheap and cache-friendly); longer ones through a heap.</summary>
    internal const int ScanMergeMaxBytes = 128;

    private const int NoRank = int.MaxValue;

    public int CountTokens(ReadOnlySpan<char> text)
    {
        var count = 0;
        foreach (var (offset, length) in preTokenizer.PreTokenize(text))
        {
            count += CountPiece(text.Slice(offset, length));
        }

        return count;
    }

    public int CountTokens(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var count = 0;
        foreach (var (offset, length) in preTokenizer.PreTokenize(text))
        {
            count += CountPiece(text.AsSpan(offset, length));
        }

        return count;
    }

    private int CountPiece(ReadOnlySpan<char> piece)
    {
        if (piece.IsEmpty)
        {
            return 0;
        }

        foreach (var special in specialTokens)
        {
            if (piece.SequenceEqual(special))
            {
                return 1;
            }
        }

        var max = Encoding.UTF8.GetMaxByteCount(piece.Length);
        byte[]? rented = null;
        var buffer = max <= 256 ? stackalloc byte[256] : (rented = ArrayPool<byte>.Shared.Rent(max));
        try
        {
            var bytes = buffer[..Encoding.UTF8.GetBytes(piece, buffer)];
            return vocabulary.Rank(bytes) >= 0 ? 1 : CountMerged(bytes);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>Tokens left after tiktoken's byte-pair merge of <paramref name="bytes"/>.</summary>
    internal int CountMerged(ReadOnlySpan<byte> bytes) => bytes.Length switch
    {
        0 => 0,
        1 => 1,
        <= ScanMergeMaxBytes => CountMergedByScan(bytes),
        _ => CountMergedByHeap(bytes),
    };

    /// <summary>
    /// The merge as tiktoken writes it: part boundaries with the rank of the pair that starts at each; merge the
    /// lowest (leftmost on a tie), recompute its two neighbours' ranks, repeat until no pair is a token.
    /// </summary>
    private int CountMergedByScan(ReadOnlySpan<byte> bytes)
    {
        Span<int> starts = stackalloc int[ScanMergeMaxBytes + 1];
        Span<int> ranks = stackalloc int[ScanMergeMaxBytes + 1];
        var parts = bytes.Length + 1; // boundaries, the last one the end
        for (var i = 0; i < parts; i++)
        {
            starts[i] = i;
            ranks[i] = i + 2 < parts ? RankOrNone(bytes[i..(i + 2)]) : NoRank;
        }

        while (parts > 1)
        {
            var best = -1;
            var bestRank = NoRank;
            for (var i = 0; i < parts - 1; i++)
            {
                if (ranks[i] < bestRank)
                {
                    bestRank = ranks[i];
                    best = i;
                }
            }

            if (best < 0)
            {
                break;
            }

            // Part best absorbs part best + 1: drop boundary best + 1, then re-rank the pairs that now start at best and best - 1.
            starts[(best + 2)..parts].CopyTo(starts[(best + 1)..]);
            ranks[(best + 2)..parts].CopyTo(ranks[(best + 1)..]);
            parts--;
            ranks[best] = best + 2 < parts ? RankOrNone(bytes[starts[best]..starts[best + 2]]) : NoRank;
            if (best > 0)
            {
                ranks[best - 1] = best + 1 < parts ? RankOrNone(bytes[starts[best - 1]..starts[best + 1]]) : NoRank;
            }
        }

        return parts - 1;
    }

    /// <summary>
    /// The same merge for long pieces (a long run of letters, spaces or symbols) in O(n log n): parts as a linked list by
    /// start offset, candidate pairs in a heap ordered by (rank, start), stale entries skipped when their part's rank has
    /// changed. Ranks are unique per byte string, so an entry whose rank still matches is the current pair.
    /// </summary>
    private int CountMergedByHeap(ReadOnlySpan<byte> bytes)
    {
        var n = bytes.Length;
        var end = ArrayPool<int>.Shared.Rent(n);
        var prev = ArrayPool<int>.Shared.Rent(n);
        var pairRank = ArrayPool<int>.Shared.Rent(n);
        try
        {
            var heap = new PriorityQueue<int, long>(n);
            for (var i = 0; i < n; i++)
            {
                end[i] = i + 1;
                prev[i] = i - 1;
                pairRank[i] = i + 1 < n ? RankOrNone(bytes[i..(i + 2)]) : NoRank;
                if (pairRank[i] != NoRank)
                {
                    heap.Enqueue(i, Key(pairRank[i], i));
                }
            }

            var merges = 0;
            while (heap.TryDequeue(out var start, out var key))
            {
                if (pairRank[start] != (int)(key >> 32))
                {
                    continue; // stale: the part was merged away or its pair changed
                }

                var right = end[start];
                var rightEnd = end[right];
                end[start] = rightEnd;
                pairRank[right] = NoRank;
                merges++;
                if (rightEnd < n)
                {
                    prev[rightEnd] = start;
                }

                pairRank[start] = rightEnd < n ? RankOrNone(bytes[start..end[rightEnd]]) : NoRank;
                if (pairRank[start] != NoRank)
                {
                    heap.Enqueue(start, Key(pairRank[start], start));
                }

                if (start > 0)
                {
                    var before = prev[start];
                    pairRank[before] = RankOrNone(bytes[before..rightEnd]);
                    if (pairRank[before] != NoRank)
                    {
                        heap.Enqueue(before, Key(pairRank[before], before));
                    }
                }
            }

            return n - merges;
        }
        finally
        {
            ArrayPool<int>.Shared.Return(end);
            ArrayPool<int>.Shared.Return(prev);
            ArrayPool<int>.Shared.Return(pairRank);
        }

        static long Key(int rank, int start) => ((long)rank << 32) | (uint)start;
    }

    private int RankOrNone(ReadOnlySpan<byte> pair)
    {
        var rank = vocabulary.Rank(pair);
        return rank < 0 ? NoRank : rank;
    }
}
