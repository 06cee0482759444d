using Switchboard.Upstream;

namespace Switchboard.Routing;

/// <summary>Mutable request/token counters of one deployment over a period (since start, or one minute).</summary>
internal sealed class UsageCounters
{
    private static readonly int KindCount = Enum.GetValues<FailureKind>().Length;

    public long Requests { get; set; }

    public long Successes { get; set; }

    public long[] FailuresByKind { get; } = new long[KindCount];

    public long Status429 { get; set; }

    public long TokensIn { get; set; }

    public long TokensOut { get; set; }

    public long Failures => FailuresByKind.Sum();

    public void Reset()
    {
        Requests = Successes = Status429 = TokensIn = TokensOut = 0;
        Array.Clear(FailuresByKind);
    }

    public UsageSnapshot ToSnapshot()
    {
        var byKind = new Dictionary<FailureKind, long>();
        for (var i = 0; i < FailuresByKind.Length; i++)
        {
            if (FailuresByKind[i] != 0)
            {
                byKind[(FailureKind)i] = FailuresByKind[i];
            }
        }

        return new UsageSnapshot(Requests, Successes, Failures, byKind, Status429, TokensIn, TokensOut);
    }
}
