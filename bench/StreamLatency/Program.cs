// Stream latency, one connection: N sequential streamed chat calls (keep-alive, like wrk -c1) against one target, recording
// per call the time from sending the request to the first SSE event (TTFT), and per event its transit: arrival here minus
// the send time the mock provider stamped into the chunk (x-mock-stamp: 1 → "mock_sent_ticks", Stopwatch ticks, which are
// CLOCK_MONOTONIC on Linux and so comparable across processes on one host). bench/run.sh runs it per target (direct, nginx,
// YARP, Switchboard) and subtracts direct's figures: what a proxy adds.
//
// usage: StreamLatency --url URL [--calls 2000] [--first 10] [--warm-url URL] [--warm-calls 300] [--body FILE]
//                      [--key ok-bench-1] [--chunks 8] [--chunk-delay-ms 0] [--label NAME] [--raw FILE]
//                      [--api openai|anthropic] [--stamp 1|2]
// --api anthropic: the target is an Anthropic Messages stream (/v1/messages through the gateway, translated from the mock's
// OpenAI stream), whose events are message_start, content_block_start, the deltas, the stops: its TTFT is the arrival of
// the first content_block_delta (start_* is message_start's), and only the content deltas are timed, by the send time the
// mock writes into each content piece's text with x-mock-stamp: 2 (which survives translation). --stamp 2 on an OpenAI
// target (direct, nginx, YARP) gives the same content_* figures over its content chunks: the like-for-like baseline.
// Calls 1..first are reported apart ("first calls": on a freshly started target, the cold ones); the percentiles are over
// calls first+1..calls. --warm-url (the mock, already warm) warms this client's own JIT first, unrecorded and without
// pauses between chunks, so its tiering does not land in the target's first calls. Prints one line "STREAM key=value ..." (µs) that run.sh parses.
using System.Buffers.Text;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;

var options = Options.Parse(args);
var body = options.BodyFile is null
    ? Encoding.UTF8.GetBytes("""{"model":"glm-4.6","max_tokens":256,"stream":true,"messages":[{"role":"user","content":"Say hello."}]}""")
    : File.ReadAllBytes(options.BodyFile);

using var http = new HttpClient(new SocketsHttpHandler
{
    MaxConnectionsPerServer = 1,
    UseProxy = false,
    AutomaticDecompression = System.Net.DecompressionMethods.None,
    PooledConnectionIdleTimeout = TimeSpan.FromMinutes(10),
    PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
})
{ Timeout = TimeSpan.FromSeconds(30) };

var buffer = new byte[64 * 1024];
if (options.WarmUrl is not null)
{
    var ignored = new Recorder(0);
    for (var i = 0; i < options.WarmCalls; i++)
    {
        await CallAsync(options.WarmUrl, ignored, 0, chunkDelayMs: 0);
    }
}

var recorder = new Recorder(options.Calls);
for (var call = 1; call <= options.Calls; call++)
{
    await CallAsync(options.Url, recorder, call, options.ChunkDelayMs);
}

Console.WriteLine(recorder.Summary(options));
if (options.RawFile is not null)
{
    recorder.WriteRaw(options.RawFile);
}

return recorder.Errors == 0 ? 0 : 2;

async Task CallAsync(Uri url, Recorder into, int call, int chunkDelayMs)
{
    using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
    request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", options.Key);
    // Read by the mock when called directly or through nginx/YARP; the gateway sends its deployments' extra_headers instead.
    request.Headers.TryAddWithoutValidation("x-mock-chunks", options.Chunks.ToString(CultureInfo.InvariantCulture));
    request.Headers.TryAddWithoutValidation("x-mock-chunk-delay-ms", chunkDelayMs.ToString(CultureInfo.InvariantCulture));
    request.Headers.TryAddWithoutValidation("x-mock-stamp", options.Stamp.ToString(CultureInfo.InvariantCulture));
    if (options.Anthropic)
    {
        request.Headers.TryAddWithoutValidation("anthropic-version", "2023-06-01");
    }

    var start = Stopwatch.GetTimestamp();
    try
    {
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        if (!response.IsSuccessStatusCode)
        {
            into.Errors++;
            return;
        }

        await using var stream = await response.Content.ReadAsStreamAsync();
        var filled = 0;
        var first = true;
        var firstContent = true;
        while (true)
        {
            if (filled == buffer.Length)
            {
                into.Errors++;
                return;
            }

            var read = await stream.ReadAsync(buffer.AsMemory(filled));
            var now = Stopwatch.GetTimestamp();
            if (read == 0)
            {
                break;
            }

            filled += read;
            var from = 0;
            while (true)
            {
                var end = buffer.AsSpan(from, filled - from).IndexOf("\n\n"u8);
                if (end < 0)
                {
                    break;
                }

                var evt = buffer.AsSpan(from, end);
                from += end + 2;
                if (first)
                {
                    into.Start(call, now - start);
                    if (!options.Anthropic)
                    {
                        into.Ttft(call, now - start);
                    }

                    first = false;
                }

                if (options.Anthropic && firstContent && evt.IndexOf("content_block_delta"u8) >= 0)
                {
                    into.Ttft(call, now - start);
                    firstContent = false;
                }

                // The content piece's own stamp ("[t<ticks>]" at the end of its text, x-mock-stamp: 2): content deltas only.
                var contentAt = evt.IndexOf("[t"u8);
                long contentSent = 0;
                var hasContentStamp = contentAt >= 0 && Utf8Parser.TryParse(evt[(contentAt + 2)..], out contentSent, out _);
                if (hasContentStamp)
                {
                    into.Content(call, now - contentSent);
                }

                var at = evt.IndexOf("\"mock_sent_ticks\":"u8);
                if (at >= 0 && Utf8Parser.TryParse(evt[(at + "\"mock_sent_ticks\":"u8.Length)..], out long sent, out _))
                {
                    into.Event(call, now - sent);
                }
                else if (hasContentStamp)
                {
                    into.Event(call, now - contentSent);
                }
                else if (options.Anthropic)
                {
                    into.Framing++; // message_start, content_block_start/stop, message_delta, message_stop, ping
                }
                else if (evt.IndexOf("[DONE]"u8) < 0)
                {
                    into.Unstamped++;
                }
            }

            buffer.AsSpan(from, filled - from).CopyTo(buffer);
            filled -= from;
        }

        if (first)
        {
            into.Errors++;
        }
    }
    catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException)
    {
        into.Errors++;
        await Console.Error.WriteLineAsync($"call {call}: {e.Message}");
    }
}

internal sealed class Recorder(int calls)
{
    private readonly List<(int Call, long Ticks)> _ttft = new(calls);
    private readonly List<(int Call, long Ticks)> _events = new(calls * 10);
    private readonly List<(int Call, long Ticks)> _starts = new(calls);
    private readonly List<(int Call, long Ticks)> _content = new(calls * 8);

    /// <summary>Anthropic events that carry no content (so no stamp): counted, not timed.</summary>
    public int Framing { get; set; }

    public void Start(int call, long ticks)
    {
        if (calls > 0) _starts.Add((call, ticks));
    }

    public void Content(int call, long ticks)
    {
        if (calls > 0) _content.Add((call, ticks));
    }

    public int Errors { get; set; }

    public int Unstamped { get; set; }

    public void Ttft(int call, long ticks)
    {
        if (calls > 0) _ttft.Add((call, ticks));
    }

    public void Event(int call, long ticks)
    {
        if (calls > 0) _events.Add((call, ticks));
    }

    public string Summary(Options o)
    {
        var early = Micros(_ttft.Where(t => t.Call <= o.First));
        var ttft = Micros(_ttft.Where(t => t.Call > o.First));
        var firstEvents = Micros(_events.Where(t => t.Call <= o.First));
        var events = Micros(_events.Where(t => t.Call > o.First));
        var s = new StringBuilder("STREAM");
        Add(s, "label", o.Label);
        Add(s, "calls", o.Calls);
        Add(s, "first", o.First);
        Add(s, "first_ttft_call1_us", early.Length > 0 ? Micros(_ttft.Where(t => t.Call == 1)).FirstOrDefault() : 0);
        Add(s, "first_ttft_p50_us", Percentile(early, 50));
        Add(s, "first_ttft_max_us", Percentile(early, 100));
        Add(s, "first_event_p50_us", Percentile(firstEvents, 50));
        Add(s, "ttft_n", ttft.Length);
        Add(s, "ttft_p50_us", Percentile(ttft, 50));
        Add(s, "ttft_p99_us", Percentile(ttft, 99));
        Add(s, "ttft_p999_us", Percentile(ttft, 99.9));
        Add(s, "ttft_max_us", Percentile(ttft, 100));
        Add(s, "event_n", events.Length);
        Add(s, "event_p50_us", Percentile(events, 50));
        Add(s, "event_p99_us", Percentile(events, 99));
        Add(s, "event_p999_us", Percentile(events, 99.9));
        Add(s, "event_max_us", Percentile(events, 100));
        var starts = Micros(_starts.Where(t => t.Call > o.First));
        var content = Micros(_content.Where(t => t.Call > o.First));
        Add(s, "start_p50_us", Percentile(starts, 50));
        Add(s, "start_p99_us", Percentile(starts, 99));
        Add(s, "content_n", content.Length);
        Add(s, "content_p50_us", Percentile(content, 50));
        Add(s, "content_p99_us", Percentile(content, 99));
        Add(s, "content_p999_us", Percentile(content, 99.9));
        Add(s, "content_max_us", Percentile(content, 100));
        Add(s, "api", o.Anthropic ? "anthropic" : "openai");
        Add(s, "framing", Framing);
        Add(s, "unstamped", Unstamped);
        Add(s, "errors", Errors);
        return s.ToString();
    }

    public void WriteRaw(string path)
    {
        using var w = new StreamWriter(path);
        w.WriteLine("kind\tcall\tus");
        foreach (var (call, ticks) in _ttft) w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ttft\t{call}\t{ToMicros(ticks):F1}"));
        foreach (var (call, ticks) in _events) w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"event\t{call}\t{ToMicros(ticks):F1}"));
        foreach (var (call, ticks) in _content) w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"content\t{call}\t{ToMicros(ticks):F1}"));
        foreach (var (call, ticks) in _starts) w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"start\t{call}\t{ToMicros(ticks):F1}"));
    }

    private static double ToMicros(long ticks) => ticks * 1e6 / Stopwatch.Frequency;

    private static double[] Micros(IEnumerable<(int Call, long Ticks)> samples)
    {
        var values = samples.Select(t => ToMicros(t.Ticks)).ToArray();
        Array.Sort(values);
        return values;
    }

    /// <summary>Nearest rank on sorted values; 0 when there are none.</summary>
    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];

    private static void Add(StringBuilder s, string key, object value) =>
        s.Append(' ').Append(key).Append('=').Append(value is double d ? d.ToString("F1", CultureInfo.InvariantCulture) : Convert.ToString(value, CultureInfo.InvariantCulture));
}

internal sealed record Options(Uri Url, int Calls, int First, Uri? WarmUrl, int WarmCalls, string? BodyFile, string Key, int Chunks, int ChunkDelayMs, string Label, string? RawFile, bool Anthropic, int Stamp)
{
    public static Options Parse(string[] args)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal)) throw new ArgumentException($"unexpected argument '{args[i]}'");
            map[args[i][2..]] = args[i + 1];
        }

        if (args.Length % 2 != 0 || !map.TryGetValue("url", out var url)) throw new ArgumentException("usage: StreamLatency --url URL [--calls N] ... (see Program.cs)");
        int Int(string name, int fallback) => map.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
        return new Options(
            new Uri(url),
            Int("calls", 2000),
            Int("first", 10),
            map.TryGetValue("warm-url", out var warm) ? new Uri(warm) : null,
            Int("warm-calls", 300),
            map.GetValueOrDefault("body"),
            map.GetValueOrDefault("key") ?? "ok-bench-1",
            Int("chunks", 8),
            Int("chunk-delay-ms", 0),
            map.GetValueOrDefault("label") ?? "target",
            map.GetValueOrDefault("raw"),
            map.GetValueOrDefault("api") == "anthropic",
            Int("stamp", map.GetValueOrDefault("api") == "anthropic" ? 2 : 1));
    }
}
