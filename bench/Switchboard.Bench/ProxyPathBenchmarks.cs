using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Reflection;
using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Abstractions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Switchboard.Api;
using Switchboard.Config;
using Switchboard.MockProvider;
using Switchboard.Storage;
using Switchboard.Upstream;

namespace Switchboard.Bench;

/// <summary>
/// One non-stream OpenAI chat call through the gateway's real proxy pipeline, in process: the application that
/// <see cref="GatewayHost.BuildAsync"/> builds (hosting's request handling, the exception and status-page middleware,
/// routing, the endpoint), with routing fields, a master key and a virtual key (the key's keep-alive memo on its
/// connection), the router's pick, the attempt loop, the upstream send through <c>HttpClient</c>'s invoker, the answer
/// check, the relay, the usage record queued (usage rows on; the writer's batch write to SQLite dropped, see
/// <see cref="UsageDiscardingStore"/>) and the request log at its
/// normal level. The only stand-ins are the edges: the server is a connection object that feeds hosting the ~1 KB
/// body (<c>bench/chat-body.json</c>) and discards the answer, reused per call as Kestrel reuses a keep-alive
/// connection's context; the upstream is an in-memory <see cref="HttpMessageHandler"/> that returns the mock provider's
/// canned answer (no sockets); the log provider formats every enabled line and drops it (no console).
/// Kestrel's parsing and <c>SocketsHttpHandler</c>'s socket work are outside: see docs/benchmarks.md for the
/// whole-process figure over real sockets.
/// </summary>
[MemoryDiagnoser]
public class ProxyPathBenchmarks
{
    private const string MasterKey = "sk-bench-master-0001";
    private const string VirtualKey = "sk-qWBK-SaWh3oYo6nU3nOPstSCfFJWQ-d8uNn5welE";
    private const string UpstreamBase = "http://upstream.bench/v1";

    private string _directory = "";
    private WebApplication? _app;
    private ICallRunner? _runner;
    private ICallRunner? _streamRunner;
    private ICallRunner? _anthropicRunner;
    private CannedUpstream? _upstream;

    [GlobalSetup]
    public void Setup() => SetupAsync().GetAwaiter().GetResult();

    private async Task SetupAsync()
    {
        _directory = Directory.CreateTempSubdirectory("switchboard-bench-proxy-").FullName;
        var yaml = $"""
            model_list:
              - model_name: glm-4.6
                litellm_params:
                  model: openai/glm-4.6
                  api_base: {UpstreamBase}
                  api_key: sk-bench-upstream-0001
            general_settings:
              master_key: {MasterKey}
            """;
        var path = Path.Combine(_directory, "config.yaml");
        await File.WriteAllTextAsync(path, yaml);
        var config = ConfigLoader.LoadOrThrow(path, _ => null);
        var server = new CapturingServer();
        var usageStore = UsageDiscardingStore.Create();
        _app = await GatewayHost.BuildAsync(config, new GatewayOptions
        {
            Host = "127.0.0.1",
            Port = 0,
            DatabasePath = Path.Combine(_directory, "bench.db"),
            WatchConfig = false,
        }, logging =>
        {
            logging.AddProvider(new FormattingDiscardLoggerProvider());
            // The server edge: hosting hands its application to this instead of Kestrel (registered last, it wins).
            logging.Services.AddSingleton<IServer>(server);
        });

        var store = _app.Services.GetRequiredService<GatewayServices>().Store;
        ((UsageDiscardingStore)(object)usageStore).Target = store;
        // The usage writer's store (before the writer starts): batches dropped, nothing else is asked of it.
        var sinkStore = typeof(Usage.UsageSink).GetField("_store", BindingFlags.Instance | BindingFlags.NonPublic)
            ?? throw new InvalidOperationException("UsageSink._store is gone: update ProxyPathBenchmarks");
        sinkStore.SetValue(_app.Services.GetRequiredService<Usage.UsageSink>(), usageStore);
        var now = DateTimeOffset.UtcNow;
        await store.InsertKeyAsync(new VirtualKeyRecord
        {
            KeyHash = Auth.KeyHasher.Hash(VirtualKey),
            KeyAlias = "bench",
            KeyPreview = "sk-...welE",
            Models = ["glm-4.6"],
            CreatedAt = now,
            UpdatedAt = now,
        }, CancellationToken.None);

        var services = _app.Services.GetRequiredService<GatewayServices>();
        var body = await File.ReadAllBytesAsync(Path.Combine(RepoRoot(), "bench", "chat-body.json"));
        var streamBody = StreamBody(body);
        _upstream = new CannedUpstream(CannedAnswer(), await CannedStreamAsync(services, streamBody));
        InstallUpstream(services.Http, UpstreamBase, _upstream);
        InstallRequestLog(services);
        await _app.StartAsync();
        _runner = server.NewConnection?.Invoke() ?? throw new InvalidOperationException("hosting did not start the server");
        _runner.Prepare(body, "Bearer " + VirtualKey);
        _streamRunner = server.NewConnection();
        _streamRunner.Prepare(streamBody, "Bearer " + VirtualKey);
        _anthropicRunner = server.NewConnection();
        _anthropicRunner.Prepare(AnthropicBody(body), "Bearer " + VirtualKey, "/v1/messages");
        // Enough calls for the usage sink's queue arrays to reach their size at this rate (they double while the writer
        // lingers), so that a measured iteration does not count their growth.
        for (var i = 0; i < 5000; i++)
        {
            await CallAsync();
            _upstream.Stream = true;
            await _streamRunner.RunAsync();
            await _anthropicRunner.RunAsync();
            _upstream.Stream = false;
        }

        if (_runner.Status != 200 || _streamRunner.Status != 200 || !_streamRunner.LastBody.Contains("[DONE]", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"the benchmark calls answered {_runner.Status}: {_runner.LastBody} / {_streamRunner.Status}: {_streamRunner.LastBody}");
        }

        if (_anthropicRunner.Status != 200 || !_anthropicRunner.LastBody.Contains("message_stop", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"the Anthropic stream call answered {_anthropicRunner.Status}: {_anthropicRunner.LastBody}");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _app!.StopAsync().GetAwaiter().GetResult();
        _app.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>One non-stream chat call; completes synchronously here (nothing waits on a socket).</summary>
    [Benchmark]
    public int NonStreamCall()
    {
        var pending = CallAsync();
        if (!pending.IsCompletedSuccessfully)
        {
            pending.AsTask().GetAwaiter().GetResult();
        }

        return _runner!.Status;
    }

    /// <summary>The upstream stream's events, [DONE] included (for the per-event figure).</summary>
    internal int StreamEvents => _upstream!.StreamEvents;

    /// <summary>
    /// The same call with <c>"stream": true</c>: the mock's stream of the same answer, relayed event by event. Its excess
    /// over <see cref="NonStreamCall"/> divided by the upstream's events is the path's cost per event (docs/benchmarks.md).
    /// </summary>
    [Benchmark]
    public int StreamCall()
    {
        _upstream!.Stream = true;
        var pending = _streamRunner!.RunAsync();
        if (!pending.IsCompletedSuccessfully)
        {
            pending.AsTask().GetAwaiter().GetResult();
        }

        _upstream.Stream = false;
        return _streamRunner.Status;
    }

    /// <summary>
    /// The same streamed call from an Anthropic client (<c>/v1/messages</c>, Claude Code's path through GLM): the same
    /// upstream stream, translated event by event into Anthropic's (message_start, the block, its deltas, the stops).
    /// </summary>
    [Benchmark]
    public int AnthropicStreamCall()
    {
        _upstream!.Stream = true;
        var pending = _anthropicRunner!.RunAsync();
        if (!pending.IsCompletedSuccessfully)
        {
            pending.AsTask().GetAwaiter().GetResult();
        }

        _upstream.Stream = false;
        return _anthropicRunner.Status;
    }

    /// <summary>The chat body as an Anthropic Messages streamed request: system messages to the top-level system.</summary>
    private static byte[] AnthropicBody(byte[] body)
    {
        var chat = System.Text.Json.Nodes.JsonNode.Parse(body)!.AsObject();
        var system = new StringBuilder();
        var messages = new System.Text.Json.Nodes.JsonArray();
        foreach (var message in chat["messages"]!.AsArray())
        {
            var role = (string)message!["role"]!;
            if (role == "system")
            {
                system.Append((string)message["content"]!);
            }
            else
            {
                messages.Add(new System.Text.Json.Nodes.JsonObject { ["role"] = role, ["content"] = (string)message["content"]! });
            }
        }

        var anthropic = new System.Text.Json.Nodes.JsonObject
        {
            ["model"] = (string)chat["model"]!,
            ["max_tokens"] = 256,
            ["stream"] = true,
            ["system"] = system.ToString(),
            ["messages"] = messages,
        };
        return Encoding.UTF8.GetBytes(anthropic.ToJsonString());
    }

    private static byte[] StreamBody(byte[] body)
    {
        var text = Encoding.UTF8.GetString(body).TrimEnd();
        return Encoding.UTF8.GetBytes(text[..^1] + ",\"stream\":true}");
    }

    /// <summary>The mock provider's stream for the body, read whole once (its own adapter, as its server sends it).</summary>
    private static async Task<byte[]> CannedStreamAsync(GatewayServices services, byte[] body)
    {
        var deployment = services.Router.ResolveGroup("glm-4.6")!.Deployments[0].Config;
        var response = await services.Mock.SendAsync(deployment, new UpstreamRequest("/chat/completions", body, true), CancellationToken.None);
        using var copy = new MemoryStream();
        await response.Body.CopyToAsync(copy);
        await response.DisposeAsync();
        return copy.ToArray();
    }

    /// <summary>For the sampler: one call, and whether it had to wait (anything but the edges' stand-ins going async).</summary>
    internal bool NonStreamCallCompletedAsynchronously()
    {
        var pending = CallAsync();
        if (pending.IsCompletedSuccessfully)
        {
            return false;
        }

        pending.AsTask().GetAwaiter().GetResult();
        return true;
    }

    private ValueTask CallAsync() => _runner!.RunAsync();

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(System.IO.Path.Combine(dir.FullName, "Switchboard.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Switchboard.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>The mock provider's own non-stream answer to the benchmark body, as its server sends it.</summary>
    private static byte[] CannedAnswer()
    {
        var body = File.ReadAllBytes(Path.Combine(RepoRoot(), "bench", "chat-body.json"));
        var request = MockRequestParser.ParseOpenAi(new ReadOnlySequence<byte>(body)) ?? throw new InvalidOperationException("mock parse");
        var answer = MockAnswer.For(request, "glm-4.6-0001", 1);
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            OpenAiWriter.WriteChatCompletion(writer, answer, request.Model, "chatcmpl-mock-1", DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The adapter's invoker for the upstream's origin is this handler instead of a SocketsHttpHandler.</summary>
    private static void InstallUpstream(HttpUpstreamAdapter adapter, string apiBase, HttpMessageHandler handler)
    {
        var field = typeof(HttpUpstreamAdapter).GetField("_invokers", BindingFlags.Instance | BindingFlags.NonPublic)
            ?? throw new InvalidOperationException("HttpUpstreamAdapter._invokers is gone: update ProxyPathBenchmarks.InstallUpstream");
        var invokers = (System.Collections.Concurrent.ConcurrentDictionary<string, HttpMessageInvoker>)field.GetValue(adapter)!;
        invokers[new Uri(apiBase).GetLeftPart(UriPartial.Authority)] = new HttpMessageInvoker(handler, disposeHandler: true);
    }

    /// <summary>
    /// The store as the usage sink sees it: a batch of rows is dropped (the SQLite write runs on the sink's own thread, in
    /// batches timed by its flush interval, so it made the per-call figure vary by a kilobyte between runs; its cost is
    /// UsageStoreBenchmarks.WriteBatch), everything else goes to the gateway's real store.
    /// </summary>
    public class UsageDiscardingStore : DispatchProxy
    {
        internal IGatewayStore? Target { get; set; }

        internal static IGatewayStore Create() => Create<IGatewayStore, UsageDiscardingStore>();

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) => targetMethod?.Name switch
        {
            nameof(IGatewayStore.WriteUsageAsync) => Task.CompletedTask,
            nameof(IAsyncDisposable.DisposeAsync) when Target is null => ValueTask.CompletedTask,
            _ => targetMethod!.Invoke(Target ?? throw new InvalidOperationException("store used before the benchmark set it up"), args),
        };
    }

    /// <summary>Answers every request with the canned body, as the upstream's HTTP/1.1 answer would arrive.</summary>
    private sealed class CannedUpstream(byte[] answer, byte[] stream) : HttpMessageHandler
    {
        /// <summary>Answer with the stream (set around a stream call; the benchmark is single-threaded).</summary>
        public bool Stream { get; set; }

        /// <summary>The stream's SSE events, [DONE] included.</summary>
        public int StreamEvents { get; } = Encoding.UTF8.GetString(stream).Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Length;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var content = new ByteArrayContent(Stream ? stream : answer);
            content.Headers.TryAddWithoutValidation("Content-Type", Stream ? "text/event-stream" : "application/json");
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = content, RequestMessage = request, Version = HttpVersion.Version11 });
        }
    }

    /// <summary>
    /// The request line as production writes it when standard output is redirected (the start script's case): the
    /// direct UTF-8 writer over a buffered stdout, here one whose bytes go nowhere. Hosting built none, since the
    /// benchmark's output is not the console logger's; the other log lines still go through the discarding provider.
    /// </summary>
    private static void InstallRequestLog(GatewayServices services)
    {
        var output = new Observability.BufferedConsoleOutput(TextWriter.Null, Stream.Null);
        var log = new Observability.RequestLog(services.Logger, GatewayServices.LogCategory, output, TimeProvider.System,
            Observability.RequestLogSettings.Text("yyyy-MM-dd HH:mm:ss.fff ", utcTimestamp: false));
        var field = typeof(GatewayServices).GetField("<RequestLog>k__BackingField", BindingFlags.Instance | BindingFlags.NonPublic)
            ?? throw new InvalidOperationException("GatewayServices.RequestLog is no longer an auto-property: update ProxyPathBenchmarks");
        field.SetValue(services, log);
    }

    /// <summary>Formats each enabled line as a console logger would (the message string), then drops it.</summary>
    private sealed class FormattingDiscardLoggerProvider : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new FormattingDiscardLogger();

        public void Dispose()
        {
        }

        private sealed class FormattingDiscardLogger : ILogger
        {
            public static int Length;

            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                Length = formatter(state, exception).Length;
        }
    }

    private interface ICallRunner
    {
        int Status { get; }

        string LastBody { get; }

        void Prepare(byte[] body, string authorization, string path = "/v1/chat/completions");

        ValueTask RunAsync();
    }

    /// <summary>Takes the application hosting would give Kestrel.</summary>
    private sealed class CapturingServer : IServer
    {
        public Func<ICallRunner>? NewConnection { get; private set; }

        public IFeatureCollection Features { get; } = new FeatureCollection();

        public Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken)
            where TContext : notnull
        {
            NewConnection = () => new Connection<TContext>(application);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public void Dispose()
        {
        }
    }

    /// <summary>
    /// One keep-alive connection: its features are reset per request and its hosting context reused
    /// (<see cref="IHostContextContainer{TContext}"/>), as Kestrel's connection does.
    /// </summary>
    private sealed class Connection<TContext>(IHttpApplication<TContext> application) : ICallRunner, IFeatureCollection, IHostContextContainer<TContext>,
        IHttpRequestFeature, IHttpResponseFeature, IHttpResponseBodyFeature, IRequestBodyPipeFeature, IHttpRequestLifetimeFeature, IConnectionItemsFeature
        where TContext : notnull
    {
        private readonly Dictionary<Type, object?> _extra = [];
        private readonly List<(Func<object, Task> Callback, object State)> _onStarting = [];
        private readonly List<(Func<object, Task> Callback, object State)> _onCompleted = [];
        private readonly CancellationTokenSource _aborted = new();
        private readonly DiscardWriter _writer = new();
        private readonly IHeaderDictionary _requestHeaders = new HeaderDictionary();
        private readonly HeaderDictionary _responseHeaders = new();
        private BodyReader _reader = new([]);
        private MemoryStream _bodyStream = new();
        private int _revision;
        private string _path = "/v1/chat/completions";

        public TContext? HostContext { get; set; }

        public int Status => StatusCode;

        public string LastBody => Encoding.UTF8.GetString(_writer.Last);

        public void Prepare(byte[] body, string authorization, string path = "/v1/chat/completions")
        {
            _path = path;
            _reader = new BodyReader(body);
            _bodyStream = new MemoryStream(body, writable: false);
            _requestHeaders.Host = "127.0.0.1";
            _requestHeaders.Authorization = authorization;
            _requestHeaders.ContentType = "application/json";
            _requestHeaders.ContentLength = body.Length;
        }

        public async ValueTask RunAsync()
        {
            Reset();
            var context = application.CreateContext(this);
            Exception? error = null;
            try
            {
                await application.ProcessRequestAsync(context);
                await StartAsync();
                await CompleteCallbacksAsync();
            }
            catch (Exception ex)
            {
                error = ex;
                throw;
            }
            finally
            {
                application.DisposeContext(context, error);
            }
        }

        private void Reset()
        {
            _extra.Clear();
            _onStarting.Clear();
            _onCompleted.Clear();
            _responseHeaders.Clear();
            _writer.Reset();
            _reader.Reset();
            _bodyStream.Position = 0;
            StatusCode = 200;
            ReasonPhrase = null;
            HasStarted = false;
            Method = "POST";
            Scheme = "http";
            Protocol = "HTTP/1.1";
            PathBase = "";
            Path = _path;
            QueryString = "";
            RawTarget = _path;
            _revision++;
        }

        private async Task CompleteCallbacksAsync()
        {
            for (var i = _onCompleted.Count - 1; i >= 0; i--)
            {
                await _onCompleted[i].Callback(_onCompleted[i].State);
            }
        }

        // IFeatureCollection: the connection's own features, then what middleware sets for this request.
        public bool IsReadOnly => false;

        public int Revision => _revision;

        public object? this[Type key]
        {
            get => IsOwn(key) ? this : _extra.TryGetValue(key, out var value) ? value : null;
            set
            {
                _extra[key] = value;
                _revision++;
            }
        }

        private static bool IsOwn(Type key) =>
            key == typeof(IHttpRequestFeature) || key == typeof(IHttpResponseFeature) || key == typeof(IHttpResponseBodyFeature)
            || key == typeof(IRequestBodyPipeFeature) || key == typeof(IHttpRequestLifetimeFeature) || key == typeof(IConnectionItemsFeature);

        public TFeature? Get<TFeature>() => (TFeature?)this[typeof(TFeature)];

        public void Set<TFeature>(TFeature? instance) => this[typeof(TFeature)] = instance;

        public IEnumerator<KeyValuePair<Type, object>> GetEnumerator()
        {
            foreach (var type in new[] { typeof(IHttpRequestFeature), typeof(IHttpResponseFeature), typeof(IHttpResponseBodyFeature), typeof(IRequestBodyPipeFeature), typeof(IHttpRequestLifetimeFeature), typeof(IConnectionItemsFeature) })
            {
                yield return new(type, this);
            }

            foreach (var (type, value) in _extra)
            {
                if (value is not null)
                {
                    yield return new(type, value);
                }
            }
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

        // IHttpRequestFeature
        public string Protocol { get; set; } = "HTTP/1.1";
        public string Scheme { get; set; } = "http";
        public string Method { get; set; } = "POST";
        public string PathBase { get; set; } = "";
        public string Path { get; set; } = "/";
        public string QueryString { get; set; } = "";
        public string RawTarget { get; set; } = "/";

        IHeaderDictionary IHttpRequestFeature.Headers
        {
            get => _requestHeaders;
            set => throw new NotSupportedException();
        }

        Stream IHttpRequestFeature.Body
        {
            get => _bodyStream;
            set => throw new NotSupportedException();
        }

        // IRequestBodyPipeFeature
        PipeReader IRequestBodyPipeFeature.Reader => _reader;

        // IHttpRequestLifetimeFeature
        public CancellationToken RequestAborted
        {
            get => _aborted.Token;
            set => throw new NotSupportedException();
        }

        public void Abort() => throw new InvalidOperationException("the benchmark call aborted its connection");

        // IConnectionItemsFeature: lives as long as the connection (the auth memo keeps the key here).
        public IDictionary<object, object?> Items { get; set; } = new Dictionary<object, object?>();

        // IHttpResponseFeature
        public int StatusCode { get; set; } = 200;
        public string? ReasonPhrase { get; set; }
        public bool HasStarted { get; private set; }

        IHeaderDictionary IHttpResponseFeature.Headers
        {
            get => _responseHeaders;
            set => throw new NotSupportedException();
        }

        Stream IHttpResponseFeature.Body
        {
            get => _writer.AsStream();
            set => throw new NotSupportedException();
        }

        public void OnStarting(Func<object, Task> callback, object state) => _onStarting.Add((callback, state));

        public void OnCompleted(Func<object, Task> callback, object state) => _onCompleted.Add((callback, state));

        // IHttpResponseBodyFeature
        Stream IHttpResponseBodyFeature.Stream => _writer.AsStream();

        PipeWriter IHttpResponseBodyFeature.Writer
        {
            get
            {
                _writer.Starting ??= () => StartAsync();
                return _writer;
            }
        }

        public void DisableBuffering()
        {
        }

        public Task StartAsync(CancellationToken cancellationToken = default)
        {
            if (HasStarted)
            {
                return Task.CompletedTask;
            }

            HasStarted = true;
            for (var i = _onStarting.Count - 1; i >= 0; i--)
            {
                var pending = _onStarting[i].Callback(_onStarting[i].State);
                if (!pending.IsCompletedSuccessfully)
                {
                    pending.GetAwaiter().GetResult();
                }
            }

            return Task.CompletedTask;
        }

        public Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task CompleteAsync() => StartAsync();
    }

    /// <summary>The client's side of the answer: bytes written and dropped (the last answer kept for a setup check).</summary>
    private sealed class DiscardWriter : PipeWriter
    {
        private readonly byte[] _buffer = new byte[16 * 1024];
        private readonly ArrayBufferWriter<byte> _last = new(4096);
        private Stream? _stream;

        public Func<Task>? Starting { get; set; }

        public ReadOnlySpan<byte> Last => _last.WrittenSpan;

        public void Reset() => _last.ResetWrittenCount();

        public override void Advance(int bytes)
        {
            Starting?.Invoke();
            if (_last.FreeCapacity >= bytes)
            {
                _last.Write(_buffer.AsSpan(0, bytes));
            }
        }

        public override Memory<byte> GetMemory(int sizeHint = 0) => sizeHint <= _buffer.Length ? _buffer : new byte[sizeHint];

        public override Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;

        public override void CancelPendingFlush()
        {
        }

        public override void Complete(Exception? exception = null)
        {
        }

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
        {
            Starting?.Invoke();
            return new(new FlushResult(false, false));
        }

        public override bool CanGetUnflushedBytes => true;

        public override long UnflushedBytes => 0;

        public Stream AsStream() => _stream ??= AsStream(leaveOpen: true);
    }

    /// <summary>The request body as Kestrel's pipe gives it: one segment, read once per request.</summary>
    private sealed class BodyReader(byte[] body) : PipeReader
    {
        private bool _consumed;

        public void Reset() => _consumed = false;

        public override bool TryRead(out ReadResult result)
        {
            result = _consumed
                ? new ReadResult(ReadOnlySequence<byte>.Empty, false, true)
                : new ReadResult(new ReadOnlySequence<byte>(body), false, true);
            return true;
        }

        public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
        {
            TryRead(out var result);
            return new(result);
        }

        public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

        public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
        {
            if (consumed.Equals(new ReadOnlySequence<byte>(body).End))
            {
                _consumed = true;
            }
        }

        public override void CancelPendingRead()
        {
        }

        public override void Complete(Exception? exception = null)
        {
        }
    }
}
