-- wrk script: POSTs one realistic OpenAI chat body (~1 KB, bench/chat-body.json) to /v1/chat/completions.
-- run.sh prepares the body per target (model name, "stream": true) and passes it through the environment:
--   BENCH_BODY_FILE  the body to send (required)
--   BENCH_KEY        bearer token (the mock answers normally for ok-* keys; the gateway accepts anything without a master key)
--   BENCH_CHUNKS     x-mock-chunks, read by the mock when called directly or through nginx (the gateway sends the same
--                    value through its deployments' extra_headers, since it does not forward client headers upstream)
-- done() prints one machine-readable line that run.sh parses.

local path = os.getenv("BENCH_BODY_FILE")
local file = assert(io.open(path, "rb"), "BENCH_BODY_FILE not readable")
local body = file:read("*a"):gsub("%s+$", "")
file:close()

wrk.method = "POST"
wrk.path = os.getenv("BENCH_PATH") or "/v1/chat/completions" -- run.sh: /v1/messages for its Anthropic stream run
wrk.body = body
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("BENCH_KEY") or "ok-bench-1")
wrk.headers["x-mock-chunks"] = os.getenv("BENCH_CHUNKS") or "8"
wrk.headers["x-mock-chunk-delay-ms"] = "0"

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d bytes=%d p50_us=%d p90_us=%d p99_us=%d p999_us=%d mean_us=%.1f max_us=%d "
      .. "err_connect=%d err_read=%d err_write=%d err_status=%d err_timeout=%d body_bytes=%d\n",
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9), latency.mean, latency.max,
    e.connect, e.read, e.write, e.status, e.timeout, #body))
end
