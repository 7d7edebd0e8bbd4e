-- wrk script: POSTs pre-signed Tito webhooks, each body unique, read from the file named in
-- WEBHOOKS (one "name<TAB>signature<TAB>body" line each); each wrk thread takes its own share.
-- Prints a JSON summary (requests, non-2xx, socket errors, latency percentiles) when done.
local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  local path = os.getenv("WEBHOOKS")
  local share, i = {}, 0
  for line in io.lines(path) do
    if i % 2 == id then
      local name, signature, body = line:match("^([^\t]+)\t([^\t]+)\t(.*)$")
      share[#share + 1] = wrk.format("POST", nil, {
        ["Content-Type"] = "application/json",
        ["X-Webhook-Name"] = name,
        ["Tito-Signature"] = signature,
      }, body)
    end
    i = i + 1
  end
  requests_ = share
  next_ = 1
end

function request()
  local r = requests_[next_]
  next_ = next_ % #requests_ + 1
  return r
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"non2xx":%d,"socket_errors":%d,"p50_us":%d,"p99_us":%d,"max_us":%d}\n',
    summary.requests, summary.duration, errors.status,
    errors.connect + errors.read + errors.write + errors.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
