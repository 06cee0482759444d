// Stream latency, one connection per target: sequential streamed chat calls, the targets INTERLEAVED call by call
// (call i goes to target i mod T), on one dedicated thread with blocking socket reads, TCP_NODELAY, and each read's
// KERNEL receive time (SO_TIMESTAMPNS). Per call: the time from sending the request to the first content piece (TTFT);
// per content piece: its transit, arrival minus the send time the mock provider stamped into its text (x-mock-stamp: 2,
// "[t<ticks>]" at the end of the piece, Stopwatch ticks = CLOCK_MONOTONIC ns on Linux, which survives the gateway's
// translation to Anthropic events). bench/run.sh subtracts direct's percentile from each target's: what a proxy adds.
//
// Why this shape (docs/benchmarks.md, "Per-event cost made readable"): the former client (HttpClient, one target per
// run, the arrival taken when the async read's continuation ran) measured mostly itself and the machine: its thread-pool
// wake-up after each read, and the load of the minute in which each target's run happened. Now:
// - "arrival" is the kernel's timestamp of the packet that completed the event (on loopback it is taken as the sender's
//   send() delivers it, i.e. when the proxy sent it), not when this client got to run; the user-space arrival is kept
//   beside it (user_* figures) so that the difference, the client's own wake-up, stays visible;
// - the targets are interleaved call by call, so the machine's load drifts over all of them alike;
// - the per-event figure is over the content pieces after the first of each call (the first is the TTFT's, with the
//   response headers); thousands of them per target.
//
// usage: StreamLatency --targets "label=URL label=URL ..." | --url URL [--label NAME]
//                      [--calls 2000 (per target)] [--first 10] [--warm-url URL] [--warm-calls 300] [--body FILE]
//                      [--anthropic-body FILE] [--key ok-bench-1] [--chunks 8] [--chunk-delay-ms 1] [--raw FILE]
// A target whose URL path ends in /v1/messages is an Anthropic client (anthropic-version header, --anthropic-body);
// the others are OpenAI chat streams (--body). Calls 1..first of each target are reported apart ("first calls": on a
// freshly started target, the cold ones); the percentiles are over calls first+1..calls. --warm-url (the mock, already
// warm) warms this client's own code first, unrecorded. Prints one line "STREAM key=value ..." per target (µs).
using System.Buffers.Text;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

var options = Options.Parse(args);
var openAiBody = options.BodyFile is null
    ? Encoding.UTF8.GetBytes("""{"model":"glm-4.6","max_tokens":256,"stream":true,"messages":[{"role":"user","content":"Say hello."}]}""")
    : File.ReadAllBytes(options.BodyFile);
var anthropicBody = options.AnthropicBodyFile is null
    ? Encoding.UTF8.GetBytes("""{"model":"glm-4.6","max_tokens":256,"stream":true,"messages":[{"role":"user","content":"Say hello."}]}""")
    : File.ReadAllBytes(options.AnthropicBodyFile);

var exit = 0;
var worker = new Thread(() => exit = Run()) { IsBackground = false, Name = "stream-latency" };
worker.Start();
worker.Join();
return exit;

int Run()
{
    if (options.WarmUrl is not null)
    {
        using var warm = new Target("warm", options.WarmUrl, openAiBody, options, calls: 0);
        for (var i = 1; i <= options.WarmCalls; i++)
        {
            warm.Call(i, chunkDelayMs: 0);
        }
    }

    var targets = options.Targets.Select(t => new Target(t.Label, t.Url, t.Url.AbsolutePath.EndsWith("/v1/messages", StringComparison.Ordinal) ? anthropicBody : openAiBody, options, options.Calls)).ToList();
    try
    {
        for (var call = 1; call <= options.Calls; call++)
        {
            // Rotate the order each round too, so that no target always follows the same one.
            for (var k = 0; k < targets.Count; k++)
            {
                targets[(k + call) % targets.Count].Call(call, options.ChunkDelayMs);
            }
        }

        foreach (var target in targets)
        {
            Console.WriteLine(target.Recorder.Summary(options, target.Label, target.Anthropic));
        }

        if (options.RawFile is not null)
        {
            using var w = new StreamWriter(options.RawFile);
            w.WriteLine("target\tkind\tcall\tindex\tkernel_us\tuser_us\tmerged");
            foreach (var target in targets)
            {
                target.Recorder.WriteRaw(w, target.Label);
            }
        }

        return targets.Sum(t => t.Recorder.Errors) == 0 ? 0 : 2;
    }
    finally
    {
        foreach (var target in targets)
        {
            target.Dispose();
        }
    }
}

/// <summary>One keep-alive connection to one target, read synchronously with the kernel's receive timestamps.</summary>
internal sealed class Target : IDisposable
{
    private readonly Uri _url;
    private readonly byte[] _head;
    private readonly byte[] _body;
    private readonly Options _options;
    private readonly byte[] _read = new byte[64 * 1024];
    private readonly byte[] _events = new byte[256 * 1024];
    private Socket? _socket;

    public Target(string label, Uri url, byte[] body, Options options, int calls)
    {
        Label = label;
        _url = url;
        _body = body;
        _options = options;
        Anthropic = url.AbsolutePath.EndsWith("/v1/messages", StringComparison.Ordinal);
        Recorder = new Recorder(calls);
        var head = new StringBuilder()
            .Append("POST ").Append(url.PathAndQuery).Append(" HTTP/1.1\r\n")
            .Append("Host: ").Append(url.Authority).Append("\r\n")
            .Append("Content-Type: application/json\r\n")
            .Append("Authorization: Bearer ").Append(options.Key).Append("\r\n")
            .Append("x-mock-chunks: ").Append(options.Chunks.ToString(CultureInfo.InvariantCulture)).Append("\r\n")
            .Append("x-mock-stamp: 2\r\n")
            .Append("x-mock-chunk-delay-ms: {DELAY}\r\n");
        if (Anthropic)
        {
            head.Append("anthropic-version: 2023-06-01\r\n");
        }

        head.Append("Content-Length: ").Append(body.Length.ToString(CultureInfo.InvariantCulture)).Append("\r\n\r\n");
        _head = Encoding.ASCII.GetBytes(head.ToString());
    }

    public string Label { get; }

    public bool Anthropic { get; }

    public Recorder Recorder { get; }

    public void Call(int call, int chunkDelayMs)
    {
        try
        {
            CallOnce(call, chunkDelayMs);
        }
        catch (Exception e) when (e is SocketException or IOException or InvalidDataException)
        {
            Recorder.Errors++;
            Console.Error.WriteLine($"{Label} call {call}: {e.Message}");
            _socket?.Dispose();
            _socket = null;
        }
    }

    private void CallOnce(int call, int chunkDelayMs)
    {
        _socket ??= Connect();
        // Head and body in one send (one segment): the target reads the whole request at once, as from a real client.
        var head = Encoding.ASCII.GetBytes(Encoding.ASCII.GetString(_head).Replace("{DELAY}", chunkDelayMs.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal));
        var request = new byte[head.Length + _body.Length];
        head.CopyTo(request, 0);
        _body.CopyTo(request, head.Length);
        var offset = Clock.RealtimeMinusMonotonic();
        var start = Stopwatch.GetTimestamp();
        _socket.Send(request);

        // Response: status line and headers, then a chunked (or Content-Length) body of SSE events.
        var decoder = new BodyDecoder();
        var filled = 0;
        var eventsFilled = 0;
        var headersDone = false;
        var content = 0;
        var firstBody = true;
        while (!decoder.Done)
        {
            var read = Clock.Receive(_socket, _read.AsSpan(filled), out var kernelRealtime);
            var user = Stopwatch.GetTimestamp();
            if (read == 0)
            {
                throw new IOException("the target closed the connection");
            }

            var kernel = kernelRealtime == 0 ? user : kernelRealtime - offset;
            filled += read;
            var from = 0;
            if (!headersDone)
            {
                var end = _read.AsSpan(0, filled).IndexOf("\r\n\r\n"u8);
                if (end < 0)
                {
                    continue;
                }

                var status = _read.AsSpan(0, filled);
                if (!status.StartsWith("HTTP/1.1 200"u8))
                {
                    throw new InvalidDataException($"status {Encoding.ASCII.GetString(status[..Math.Min(12, status.Length)])}");
                }

                decoder.ReadHeaders(_read.AsSpan(0, end + 2));
                headersDone = true;
                from = end + 4;
            }

            var appended = decoder.Decode(_read.AsSpan(from, filled - from), _events.AsSpan(eventsFilled), out var consumed);
            // Unconsumed bytes (a chunk-size line cut by the read) stay for the next read.
            var left = filled - from - consumed;
            _read.AsSpan(from + consumed, left).CopyTo(_read);
            filled = left;
            if (appended > 0 && firstBody)
            {
                Recorder.Start(call, kernel - start);
                firstBody = false;
            }

            eventsFilled += appended;
            var scan = 0;
            var stampedInRead = 0;
            while (true)
            {
                var end = _events.AsSpan(scan, eventsFilled - scan).IndexOf("\n\n"u8);
                if (end < 0)
                {
                    break;
                }

                var evt = _events.AsSpan(scan, end);
                scan += end + 2;
                var at = evt.IndexOf("[t"u8);
                if (at >= 0 && Utf8Parser.TryParse(evt[(at + 2)..], out long sent, out _))
                {
                    stampedInRead++;
                    if (content == 0)
                    {
                        Recorder.Ttft(call, kernel - start, user - start);
                    }

                    // More than one stamped piece in one read: the earlier ones carry this read's (later) timestamp.
                    Recorder.Piece(call, content, kernel - sent, user - sent, merged: stampedInRead > 1);
                    content++;
                }
            }

            _events.AsSpan(scan, eventsFilled - scan).CopyTo(_events);
            eventsFilled -= scan;
        }

        if (content == 0)
        {
            throw new InvalidDataException("no stamped content piece in the answer");
        }
    }

    private Socket Connect()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, Blocking = true };
        socket.Connect(new IPEndPoint(IPAddress.Parse(_url.Host), _url.Port));
        Clock.EnableTimestamps(socket);
        return socket;
    }

    public void Dispose() => _socket?.Dispose();
}

/// <summary>An HTTP/1.1 response body: chunked transfer coding or a Content-Length.</summary>
internal sealed class BodyDecoder
{
    private bool _chunked;
    private long _remaining = -1; // data bytes left in the current chunk (or the whole Content-Length body)
    private bool _afterData; // a chunk's trailing CRLF is next

    public bool Done { get; private set; }

    public void ReadHeaders(ReadOnlySpan<byte> headers)
    {
        var text = Encoding.ASCII.GetString(headers);
        foreach (var line in text.Split("\r\n"))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0) continue;
            var name = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            if (name.Equals("transfer-encoding", StringComparison.OrdinalIgnoreCase) && value.Contains("chunked", StringComparison.OrdinalIgnoreCase))
            {
                _chunked = true;
            }
            else if (name.Equals("content-length", StringComparison.OrdinalIgnoreCase))
            {
                _remaining = long.Parse(value, CultureInfo.InvariantCulture);
            }
        }

        if (!_chunked && _remaining < 0) throw new InvalidDataException("neither chunked nor Content-Length");
        if (_chunked) _remaining = -1;
        Done = !_chunked && _remaining == 0;
    }

    /// <summary>Decodes what it can of <paramref name="input"/> into <paramref name="output"/>; returns the bytes written.</summary>
    public int Decode(ReadOnlySpan<byte> input, Span<byte> output, out int consumed)
    {
        var written = 0;
        consumed = 0;
        while (consumed < input.Length && !Done)
        {
            if (!_chunked)
            {
                var n = (int)Math.Min(_remaining, input.Length - consumed);
                input.Slice(consumed, n).CopyTo(output[written..]);
                written += n;
                consumed += n;
                _remaining -= n;
                Done = _remaining == 0;
                continue;
            }

            if (_afterData)
            {
                if (input.Length - consumed < 2) break;
                consumed += 2;
                _afterData = false;
                continue;
            }

            if (_remaining <= 0)
            {
                var eol = input[consumed..].IndexOf("\r\n"u8);
                if (eol < 0) break;
                var line = input.Slice(consumed, eol);
                var semi = line.IndexOf((byte)';');
                if (semi >= 0) line = line[..semi];
                if (!Utf8Parser.TryParse(line, out long size, out _, 'x')) throw new InvalidDataException("bad chunk size");
                consumed += eol + 2;
                if (size == 0)
                {
                    // No trailers from these servers: the last chunk is followed by one CRLF.
                    if (input.Length - consumed < 2) { consumed -= eol + 2; break; }
                    consumed += 2;
                    Done = true;
                    break;
                }

                _remaining = size;
                continue;
            }

            var take = (int)Math.Min(_remaining, input.Length - consumed);
            input.Slice(consumed, take).CopyTo(output[written..]);
            written += take;
            consumed += take;
            _remaining -= take;
            if (_remaining == 0) _afterData = true;
        }

        return written;
    }
}

/// <summary>The kernel's receive timestamps (SO_TIMESTAMPNS, CLOCK_REALTIME) and the offset to Stopwatch's CLOCK_MONOTONIC.</summary>
internal static unsafe partial class Clock
{
    private const int SolSocket = 1;
    private const int SoTimestampNs = 35; // SO_TIMESTAMPNS_OLD on x86-64 and arm64; SCM_TIMESTAMPNS is the same number
    private const int EAgain = 11;
    private const int EIntr = 4;

    [StructLayout(LayoutKind.Sequential)]
    private struct IoVec
    {
        public byte* Base;
        public nuint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MsgHdr
    {
        public void* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint recvmsg(nint fd, MsgHdr* message, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int clock_gettime(int clock, TimeSpec* time);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int poll(PollFd* fds, nuint count, int timeoutMs);

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    public static void EnableTimestamps(Socket socket) => socket.SetRawSocketOption(SolSocket, SoTimestampNs, BitConverter.GetBytes(1));

    /// <summary>CLOCK_REALTIME − CLOCK_MONOTONIC in ns, the tightest of three bracketed samples.</summary>
    public static long RealtimeMinusMonotonic()
    {
        var best = long.MaxValue;
        var offset = 0L;
        for (var i = 0; i < 3; i++)
        {
            var before = Stopwatch.GetTimestamp();
            TimeSpec now;
            clock_gettime(0, &now);
            var after = Stopwatch.GetTimestamp();
            if (after - before < best)
            {
                best = after - before;
                offset = now.Seconds * 1_000_000_000L + now.Nanoseconds - (before + (after - before) / 2);
            }
        }

        return offset;
    }

    /// <summary>A blocking recvmsg; <paramref name="kernelRealtime"/> is the kernel's timestamp of the last packet read (ns), 0 if none.</summary>
    public static int Receive(Socket socket, Span<byte> into, out long kernelRealtime)
    {
        var fd = socket.SafeHandle.DangerousGetHandle();
        var control = stackalloc byte[128];
        fixed (byte* data = into)
        {
            while (true)
            {
                var iov = new IoVec { Base = data, Length = (nuint)into.Length };
                var message = new MsgHdr { Iov = &iov, IovLength = 1, Control = control, ControlLength = 128 };
                var n = recvmsg(fd, &message, 0);
                if (n < 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    if (errno == EIntr) continue;
                    if (errno == EAgain)
                    {
                        var p = new PollFd { Fd = (int)fd, Events = 1 };
                        poll(&p, 1, 30_000);
                        continue;
                    }

                    throw new SocketException(errno);
                }

                kernelRealtime = 0;
                var at = 0;
                while (at + 16 <= (int)message.ControlLength)
                {
                    var length = (int)*(nuint*)(control + at);
                    var level = *(int*)(control + at + 8);
                    var type = *(int*)(control + at + 12);
                    if (level == SolSocket && type == SoTimestampNs && length >= 16 + sizeof(TimeSpec))
                    {
                        var ts = *(TimeSpec*)(control + at + 16);
                        kernelRealtime = ts.Seconds * 1_000_000_000L + ts.Nanoseconds;
                    }

                    if (length <= 0) break;
                    at += (length + 7) & ~7;
                }

                return (int)n;
            }
        }
    }
}

internal sealed class Recorder(int calls)
{
    private readonly List<(int Call, long Kernel, long User)> _ttft = new(calls);
    private readonly List<(int Call, long Ticks)> _starts = new(calls);
    private readonly List<(int Call, int Index, long Kernel, long User, bool Merged)> _pieces = new(calls * 8);

    public int Errors { get; set; }

    public void Start(int call, long ticks)
    {
        if (calls > 0) _starts.Add((call, ticks));
    }

    public void Ttft(int call, long kernel, long user)
    {
        if (calls > 0) _ttft.Add((call, kernel, user));
    }

    public void Piece(int call, int index, long kernel, long user, bool merged)
    {
        if (calls > 0) _pieces.Add((call, index, kernel, user, merged));
    }

    public string Summary(Options o, string label, bool anthropic)
    {
        var early = _ttft.Where(t => t.Call <= o.First).ToList();
        var ttft = Micros(_ttft.Where(t => t.Call > o.First).Select(t => t.Kernel));
        var userTtft = Micros(_ttft.Where(t => t.Call > o.First).Select(t => t.User));
        var steady = _pieces.Where(p => p.Call > o.First && p.Index > 0).ToList();
        var events = Micros(steady.Select(p => p.Kernel));
        var userEvents = Micros(steady.Select(p => p.User));
        var firstPieces = Micros(_pieces.Where(p => p.Call > o.First && p.Index == 0).Select(p => p.Kernel));
        var s = new StringBuilder("STREAM");
        Add(s, "label", label);
        Add(s, "calls", o.Calls);
        Add(s, "first", o.First);
        Add(s, "first_ttft_call1_us", early.Count > 0 ? ToMicros(early.OrderBy(t => t.Call).First().Kernel) : 0);
        Add(s, "first_ttft_p50_us", Percentile(Micros(early.Select(t => t.Kernel)), 50));
        Add(s, "first_ttft_max_us", Percentile(Micros(early.Select(t => t.Kernel)), 100));
        Add(s, "ttft_n", ttft.Length);
        Add(s, "ttft_p50_us", Percentile(ttft, 50));
        Add(s, "ttft_p99_us", Percentile(ttft, 99));
        Add(s, "ttft_p999_us", Percentile(ttft, 99.9));
        Add(s, "ttft_max_us", Percentile(ttft, 100));
        Add(s, "user_ttft_p50_us", Percentile(userTtft, 50));
        Add(s, "event_n", events.Length);
        Add(s, "event_p50_us", Percentile(events, 50));
        Add(s, "event_p90_us", Percentile(events, 90));
        Add(s, "event_p99_us", Percentile(events, 99));
        Add(s, "event_p999_us", Percentile(events, 99.9));
        Add(s, "event_max_us", Percentile(events, 100));
        Add(s, "user_event_p50_us", Percentile(userEvents, 50));
        Add(s, "user_event_p99_us", Percentile(userEvents, 99));
        Add(s, "user_event_p999_us", Percentile(userEvents, 99.9));
        Add(s, "first_piece_p50_us", Percentile(firstPieces, 50));
        Add(s, "first_piece_p99_us", Percentile(firstPieces, 99));
        var starts = Micros(_starts.Where(t => t.Call > o.First).Select(t => t.Ticks));
        Add(s, "start_p50_us", Percentile(starts, 50));
        Add(s, "merged", steady.Count(p => p.Merged));
        Add(s, "api", anthropic ? "anthropic" : "openai");
        Add(s, "errors", Errors);
        return s.ToString();
    }

    public void WriteRaw(StreamWriter w, string label)
    {
        foreach (var (call, kernel, user) in _ttft) w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{label}\tttft\t{call}\t0\t{ToMicros(kernel):F2}\t{ToMicros(user):F2}\t0"));
        foreach (var (call, index, kernel, user, merged) in _pieces) w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{label}\tpiece\t{call}\t{index}\t{ToMicros(kernel):F2}\t{ToMicros(user):F2}\t{(merged ? 1 : 0)}"));
    }

    private static double ToMicros(long ticks) => ticks * 1e6 / Stopwatch.Frequency;

    private static double[] Micros(IEnumerable<long> samples)
    {
        var values = samples.Select(ToMicros).ToArray();
        Array.Sort(values);
        return values;
    }

    /// <summary>Nearest rank on sorted values; 0 when there are none.</summary>
    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];

    private static void Add(StringBuilder s, string key, object value) =>
        s.Append(' ').Append(key).Append('=').Append(value is double d ? d.ToString("F1", CultureInfo.InvariantCulture) : Convert.ToString(value, CultureInfo.InvariantCulture));
}

internal sealed record Options(IReadOnlyList<(string Label, Uri Url)> Targets, int Calls, int First, Uri? WarmUrl, int WarmCalls, string? BodyFile,
    string? AnthropicBodyFile, string Key, int Chunks, int ChunkDelayMs, string? RawFile)
{
    public static Options Parse(string[] args)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal)) throw new ArgumentException($"unexpected argument '{args[i]}'");
            map[args[i][2..]] = args[i + 1];
        }

        var targets = new List<(string, Uri)>();
        if (map.TryGetValue("targets", out var list))
        {
            foreach (var item in list.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                var eq = item.IndexOf('=', StringComparison.Ordinal);
                if (eq <= 0) throw new ArgumentException($"--targets: '{item}' is not label=URL");
                targets.Add((item[..eq], new Uri(item[(eq + 1)..])));
            }
        }
        else if (map.TryGetValue("url", out var url))
        {
            targets.Add((map.GetValueOrDefault("label") ?? "target", new Uri(url)));
        }

        if (args.Length % 2 != 0 || targets.Count == 0) throw new ArgumentException("usage: StreamLatency --targets \"label=URL ...\" [--calls N] ... (see Program.cs)");
        int Int(string name, int fallback) => map.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
        return new Options(
            targets,
            Int("calls", 2000),
            Int("first", 10),
            map.TryGetValue("warm-url", out var warm) ? new Uri(warm) : null,
            Int("warm-calls", 300),
            map.GetValueOrDefault("body"),
            map.GetValueOrDefault("anthropic-body"),
            map.GetValueOrDefault("key") ?? "ok-bench-1",
            Int("chunks", 8),
            Int("chunk-delay-ms", 1),
            map.GetValueOrDefault("raw"));
    }
}
