-- wrk script: replays pre-signed Twilio webhooks, each thread its own slice,
-- so every request carries a distinct MessageSid (no dedupe shortcut).
-- The file has one request per line: "<signature>\t<form body>".
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

function init(args)
  local path = args[1]
  local nthreads = tonumber(args[2])
  requests = {}
  local i = 0
  for line in io.lines(path) do
    if i % nthreads == id - 1 then
      local sig, body = line:match("^([^\t]+)\t(.*)$")
      requests[#requests + 1] = wrk.format("POST", "/webhooks/twilio/messages", {
        ["Content-Type"] = "application/x-www-form-urlencoded",
        ["X-Twilio-Signature"] = sig,
      }, body)
    end
    i = i + 1
  end
  index = 0
end

function request()
  index = index + 1
  if index > #requests then
    wrk.thread:stop()
    index = #requests
  end
  return requests[index]
end
