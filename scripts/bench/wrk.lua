-- Shared by every wrk run of scripts/bench-vs-peer.sh. Environment:
--   BENCH_METHOD, BENCH_PATH            the request (GET when unset)
--   BENCH_BODY                          a JSON body, the same every request
--   BENCH_TOKENS                        a file of bearer tokens, one a line,
--                                       used in turn
--   BENCH_LOCKS                         a file of "token lockId" lines: one
--                                       order from each lock, in turn
-- Prints one line: `result <2xx> <other> <seconds> <p50 ms> <p99 ms> <short>`,
-- where <short> is 1 when there were fewer locks than requests (the count of
-- 2xx is then too low: make more locks).
local method = os.getenv("BENCH_METHOD") or "GET"
local path = os.getenv("BENCH_PATH") or "/"
local body = os.getenv("BENCH_BODY")
local tokens, locks = {}, {}
local tokens_file, locks_file = os.getenv("BENCH_TOKENS"), os.getenv("BENCH_LOCKS")
if tokens_file then
  for line in io.lines(tokens_file) do tokens[#tokens + 1] = line end
end
if locks_file then
  for line in io.lines(locks_file) do
    local token, lock = line:match("^(%S+)%s+(%S+)$")
    locks[#locks + 1] = { token, lock }
  end
end
local n = 0

request = function()
  n = n + 1
  local headers = { ["Content-Type"] = "application/json" }
  local payload = body
  if #locks > 0 then
    local entry = locks[((n - 1) % #locks) + 1]
    headers["Authorization"] = "Bearer " .. entry[1]
    payload = body:gsub("LOCK_ID", entry[2])
  elseif #tokens > 0 then
    headers["Authorization"] = "Bearer " .. tokens[((n - 1) % #tokens) + 1]
  end
  return wrk.format(method, path, headers, payload)
end

done = function(summary, latency, requests)
  local other = summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout
  local short = (#locks > 0 and summary.requests > #locks) and 1 or 0
  io.write(string.format("result %d %d %.3f %.2f %.2f %d\n",
    summary.requests - summary.errors.status, other, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, short))
end
