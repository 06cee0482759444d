using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Switchboard.Api;

/// <summary>The headers every answer carries before its body: durations, and cost once the usage is known.</summary>
internal static class Timing
{
    public static void WriteHeaders(HttpResponse http, CallState call, TimeProvider time)
    {
        var total = time.GetElapsedTime(call.StartTimestamp);
        var overhead = total - call.UpstreamTime;
        http.Headers["x-litellm-response-duration-ms"] = total.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture);
        http.Headers["x-litellm-overhead-duration-ms"] = Math.Max(0, overhead.TotalMilliseconds).ToString("0.###", CultureInfo.InvariantCulture);
        if (call.Usage is not null)
        {
            var cost = call.Cost;
            http.Headers["x-litellm-response-cost"] = cost.ToString("0.##########", CultureInfo.InvariantCulture);
            if (call.KeySpendBefore is { } spend)
            {
                http.Headers["x-litellm-key-spend"] = (spend + cost).ToString("0.##########", CultureInfo.InvariantCulture);
            }
        }
    }
}
