using System.Globalization;

namespace Switchboard.Translation.Gemini;

/// <summary>
/// Ids for Gemini function calls that came without one. Derived from the call's place in the history (the content's
/// index, the call's index within it), so the same history yields the same ids request after request and a call and
/// its <c>functionResponse</c> always meet under one id in the pivot.
/// </summary>
internal static class GeminiCallIds
{
    public static string Derive(int contentIndex, int callIndex) =>
        string.Create(CultureInfo.InvariantCulture, $"call_gemini_{contentIndex}_{callIndex}");
}
