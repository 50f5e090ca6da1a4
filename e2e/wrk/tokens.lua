-- wrk script for `make loadtest-wrk` (scripts/loadtest.sh, mode wrk-tokens):
-- client_credentials token requests (RFC 6749 §4.4) to the URL given on the
-- command line, for example
--
--   wrk -t2 -c16 -d10s --latency -s e2e/wrk/tokens.lua http://127.0.0.1:9000/token
--
-- Why wrk as well as e2e/cmd/loadgen: the generator runs on the same cores
-- as the server it measures. wrk (C, one event loop per thread, requests
-- built once) costs far less CPU per request than Go's net/http client, so
-- more of the machine is left to the server.
--
-- The client is the demo machine client unless WRK_CLIENT_ID and
-- WRK_CLIENT_SECRET say otherwise.

local id = os.getenv("WRK_CLIENT_ID") or "demo-machine"
local secret = os.getenv("WRK_CLIENT_SECRET") or "machine-secret"

-- RFC 6749 §2.3.1: client_secret_basic form-encodes the id and the secret
-- before joining them with ":" and base64-encoding. The demo's
-- "demo-machine" and "machine-secret" come out unchanged; other values may not.
local function formEncode(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", c:byte()) end))
end

-- wrk's LuaJIT has no base64: three bytes (24 bits) become four characters
-- of 6 bits each; "=" pads a last group of one or two bytes.
local alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
local function base64(s)
  local out = {}
  for i = 1, #s, 3 do
    local a, b, c = s:byte(i, i + 2)
    local n = a * 65536 + (b or 0) * 256 + (c or 0)
    for k = 3, 0, -1 do
      local sextet = math.floor(n / 64 ^ k) % 64
      out[#out + 1] = alphabet:sub(sextet + 1, sextet + 1)
    end
    if not c then out[#out] = "=" end
    if not b then out[#out - 1] = "=" end
  end
  return table.concat(out)
end

-- One request, built once: wrk sends these bytes again and again (the path
-- is the URL's).
wrk.method = "POST"
wrk.body = "grant_type=client_credentials"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "Basic " .. base64(formEncode(id) .. ":" .. formEncode(secret))

-- Each wrk thread runs its own copy of this script: these counters are per
-- thread, and done() adds them up.
failed, locked = 0, 0

-- Defining response() makes wrk parse every body; a token response is small.
function response(status, headers, body)
  if status ~= 200 then failed = failed + 1 end
  if body and body:find("database is locked", 1, true) then locked = locked + 1 end
end

-- setup() runs in wrk's main script once per thread: keep the threads so
-- that done() can read their counters.
local threads = {}
function setup(thread)
  threads[#threads + 1] = thread
end

-- done() prints one line that scripts/loadtest.sh and e2e/wrk_test.go parse.
-- Connect, read, write and timeout errors count as failures too (wrk sees
-- them, response() does not).
function done(summary, latency, requests)
  local f, l = 0, 0
  for _, t in ipairs(threads) do
    f = f + t:get("failed")
    l = l + t:get("locked")
  end
  local e = summary.errors
  f = f + e.connect + e.read + e.write + e.timeout
  local seconds = summary.duration / 1e6 -- wrk counts in microseconds
  io.write(string.format("wrk-tokens: %d requests in %.2fs: %.0f/s, failed %d, database is locked %d, p50 %.2fms p99 %.2fms\n",
    summary.requests, seconds, summary.requests / seconds, f, l,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
