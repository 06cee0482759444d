using CsCheck;

namespace Switchboard.Tests.Fuzz;

/// <summary>
/// How many generated inputs each fuzz target gets: 2,000 in the default run, <c>SWITCHBOARD_FUZZ_COUNT</c> for the big
/// one (docs/hostile-input.md: <c>SWITCHBOARD_FUZZ_COUNT=100000 dotnet test tests/Switchboard.Tests -c Release --filter Category=Fuzz</c>).
/// Every input comes from one int seed, so a failure names the seed that reproduces it.
/// </summary>
internal static class FuzzRun
{
    public const int DefaultCount = 2_000;

    public static long Count =>
        long.TryParse(Environment.GetEnvironmentVariable("SWITCHBOARD_FUZZ_COUNT"), out var count) && count > 0 ? count : DefaultCount;

    /// <summary>Runs <paramref name="property"/> on <see cref="Count"/> inputs built by <paramref name="build"/> from a seed.</summary>
    public static void Check<T>(Func<Random, T> build, Action<T> property, Func<T, string> describe) =>
        Gen.Int.Sample(seed => property(build(new Random(seed))), iter: Count,
            print: seed => $"seed {seed}: {Cut(describe(build(new Random(seed))))}");

    private static string Cut(string text) => text.Length > 600 ? text[..600] + $"… ({text.Length} chars)" : text;
}
