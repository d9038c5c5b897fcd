-- wrk script: POST a 10 KB article as JSON to baomi's /api/v1/check or
-- /api/v1/reviews. Every /reviews request carries a new item_id (run tag,
-- thread, counter), so each one is a new review that is scanned and committed.
--
-- wrk -t2 -c16 -d10s --latency -s benches/wrk/post.lua http://127.0.0.1:PORT \
--     -- /api/v1/reviews ARTICLE_FILE TOKEN RUN_TAG

local next_thread = 1

function setup(thread)
  thread:set("tid", next_thread)
  next_thread = next_thread + 1
end

local escapes = { ['"'] = '\\"', ['\\'] = '\\\\', ['\n'] = '\\n', ['\r'] = '\\r', ['\t'] = '\\t' }

local function json_string(s)
  local escaped = s:gsub('[%c"\\]', function(c)
    return escapes[c] or string.format('\\u%04x', c:byte())
  end)
  return '"' .. escaped .. '"'
end

local path, content, tag, headers, check_body
local counter = 0

function init(args)
  path = args[1]
  local f = assert(io.open(args[2], "rb"), "cannot read the article " .. tostring(args[2]))
  content = json_string(f:read("*a"))
  f:close()
  tag = (args[4] or "wrk") .. "-" .. tostring(tid)
  headers = {
    ["Authorization"] = "Bearer " .. args[3],
    ["Content-Type"] = "application/json",
  }
  check_body = '{"content":' .. content .. '}'
end

function request()
  local body = check_body
  if path == "/api/v1/reviews" then
    counter = counter + 1
    body = '{"item_id":"' .. tag .. '-' .. counter .. '","content":' .. content .. '}'
  end
  return wrk.format("POST", path, headers, body)
end
