namespace Switchboard.MockProvider;

/// <summary>A text cut into stream pieces without copying: piece <c>i</c> is <c>Text[Bounds[i]..Bounds[i + 1]]</c>.</summary>
internal readonly record struct MockPieces(string Text, int[] Bounds)
{
    public static readonly MockPieces Empty = new("", [0]);

    public int Count => Bounds.Length - 1;

    public ReadOnlySpan<char> this[int index] => Text.AsSpan(Bounds[index], Bounds[index + 1] - Bounds[index]);

    /// <summary>Cuts <paramref name="text"/> into <paramref name="count"/> pieces of near-equal length (fewer if the text is shorter).</summary>
    public static MockPieces Split(string text, int count)
    {
        count = Math.Clamp(count, 0, text.Length);
        if (count == 0) return text.Length == 0 ? Empty : new(text, [0, text.Length]);
        var bounds = new int[count + 1];
        for (var i = 1; i < count; i++)
        {
            var at = (int)((long)text.Length * i / count);
            // A surrogate pair split across two chunks would be two invalid halves on the wire.
            if (char.IsLowSurrogate(text[at])) at++;
            bounds[i] = Math.Max(at, bounds[i - 1]);
        }

        bounds[count] = text.Length;
        return new(text, bounds);
    }
}
