-- forum_mixed.lua - wrk script: every connection is one simulated user of
-- the forum's JSON API, signed in with a token of their own, who reads
-- and writes the way people do, with a pause to think between clicks:
--
--   40%  the group list               GET  /groups/?limit=20
--   20%  a post                       GET  /posts/1001/
--   15%  its comments                 GET  /posts/1001/comments/
--    5%  a new post in group 1001     POST /groups/1001/posts/
--   10%  a comment on posts 1002-1010 POST /posts/N/comments/
--   10%  a like on a comment (toggle) POST /comments/N/likes/
--
-- FORUM_TOKENS names a file of tokens, one a line (members of group
-- 1001); a connection keeps one token. Think time: 0-THINK_MS ms
-- (default 200) before each request; wrk's latency is the server's answer
-- alone. Writes go to other posts than the one read, so the page read
-- stays the same size. Errors: wrk's non-2xx count and socket errors;
-- at the end the script prints how many answers had each status.
local threads = {}

function setup(thread)
  threads[#threads + 1] = thread
end

local tokens = {}
local think = tonumber(os.getenv("THINK_MS") or "200")
local mine

function init(args)
  for line in io.lines(os.getenv("FORUM_TOKENS")) do
    if #line > 0 then tokens[#tokens + 1] = line end
  end
  math.randomseed(os.time() + #tostring({}))
end

function delay()
  return math.random(0, think)
end

function request()
  -- wrk shares one request() among a thread's connections: a token per
  -- request, drawn from the members, stands for whoever clicks next
  mine = tokens[math.random(#tokens)]
  local h = { ["tsessionid"] = mine, ["Content-Type"] = "application/json" }
  local r = math.random(100)
  if r <= 40 then
    return wrk.format("GET", "/groups/?limit=20", h)
  elseif r <= 60 then
    return wrk.format("GET", "/posts/1001/", h)
  elseif r <= 75 then
    return wrk.format("GET", "/posts/1001/comments/", h)
  elseif r <= 80 then
    return wrk.format("POST", "/groups/1001/posts/", h,
      '{"title":"Written under load","content":"A post from the mixed workload"}')
  elseif r <= 90 then
    return wrk.format("POST", "/posts/" .. (1002 + math.random(0, 8)) .. "/comments/", h,
      '{"content":"A comment from the mixed workload"}')
  else
    return wrk.format("POST", "/comments/" .. (1000 + math.random(1, 60)) .. "/likes/", h, "{}")
  end
end

statuses = {}
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local all = {}
  for _, t in ipairs(threads) do
    for status, n in pairs(t:get("statuses") or {}) do
      all[status] = (all[status] or 0) + n
    end
  end
  local line = "statuses:"
  for status, n in pairs(all) do line = line .. " " .. status .. "=" .. n end
  print(line)
end
