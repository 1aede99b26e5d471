-- wrk script for the stampede: every request is a purchase of one unit with
-- a shopper's bearer token and an idempotency key no other request uses.
--
-- Environment (read by every thread and by done()):
--   STAMPEDE_TOKENS      file of shopper tokens, one a line, no blank lines
--   STAMPEDE_KEY_PREFIX  starts every idempotency key of this run
--   STAMPEDE_RESULT      file done() writes the counts and order ids to
--   STAMPEDE_THREADS     wrk's -t (a thread's init runs before the next thread exists)
--   STAMPEDE_GRAPHQL_SALE  when set, each purchase is the GraphQL `purchase` mutation of this
--                          sale, POSTed to the URL's path (/graphql), instead of the REST body
--
-- Each thread rotates over every shopper, starting at its own offset (thread
-- i of n a fraction (i - 1) / n into the tokens file): a thread that gets more CPU than
-- the others spreads its requests over the whole crowd rather than over a
-- share of it that would reach its per-user limit first. It counts answers
-- by status and by outcome (the error code of a refusal) and keeps the order
-- id of each 201.
--
-- wrk runs each thread's init() before it creates the next thread, and the
-- first thread's init() blocks: it writes `waiting` to stderr and reads a line
-- from stdin, so the bench can start wrk ahead of a phase and set it off the
-- instant the phase begins. Each thread then writes `ready` at the end of its
-- init(), and `progress <answers since the last line>` every 100 answers and at
-- least once a second.
--
-- done() sums the threads and writes lines: `status <code> <n>`,
-- `outcome <name> <n>`, `order <id>`.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_index", #threads)
end

-- The tokens file is read as the requests go, not loaded up front: a
-- thread's init() runs while the threads before it already press Buy, and
-- reading 50,000 tokens there held the second thread back by hundreds of
-- milliseconds on a busy machine.
local tokens
local head
local sent = 0
local key_prefix
local graphql_sale
local answers_since = 0
-- Answers between two progress lines at most (see response()).
local PROGRESS_EVERY = 100
local second = 0

function init(args)
  statuses = {}
  outcomes = {}
  orders = {}
  tokens = assert(io.open(os.getenv("STAMPEDE_TOKENS"), "rb"))
  tokens:setvbuf("full", 65536)
  -- Start at the line after this thread's share of the file.
  local size = tokens:seek("end")
  local thread_count = tonumber(os.getenv("STAMPEDE_THREADS"))
  tokens:seek("set", math.floor((thread_index - 1) * size / thread_count))
  if thread_index > 1 then tokens:read("*l") end
  key_prefix = os.getenv("STAMPEDE_KEY_PREFIX") .. "-t" .. thread_index .. "-"
  graphql_sale = os.getenv("STAMPEDE_GRAPHQL_SALE")
  if graphql_sale == "" then graphql_sale = nil end
  head = "POST " .. wrk.path .. " HTTP/1.1\r\nHost: " .. wrk.host .. ":" .. wrk.port
    .. "\r\nContent-Type: application/json\r\nAuthorization: Bearer "
  if thread_index == 1 then
    io.stderr:write("waiting\n")
    io.read("*l")
  end
  io.stderr:write("ready\n")
end

local function next_token()
  local token = tokens:read("*l")
  if token == nil or token == "" then
    tokens:seek("set", 0)
    token = tokens:read("*l")
  end
  return token
end

-- The mutation asks for the order id alone: the REST answer's other fields cost the same either way.
local MUTATION = 'mutation($s:ID!,$k:String!){purchase(saleId:$s,quantity:1,idempotencyKey:$k){orderId}}'

function request()
  sent = sent + 1
  local body
  if graphql_sale == nil then
    body = '{"quantity":1,"idempotencyKey":"' .. key_prefix .. sent .. '"}'
  else
    body = '{"query":"' .. MUTATION .. '","variables":{"s":"' .. graphql_sale .. '","k":"'
      .. key_prefix .. sent .. '"}}'
  end
  return head .. next_token() .. "\r\nContent-Length: " .. #body .. "\r\n\r\n" .. body
end

-- The same classification as bench/stampede/outcomes.ts.
local known_codes = {
  not_started = true, sold_out = true, limit_exceeded = true, insufficient_stock = true,
  ended = true, rate_limited = true,
}

-- A GraphQL answer is a 200 either way: reserved when it holds the order id, else the
-- refusal's code (extensions.code, the REST code).
local function outcome_of(status, body)
  if status == 201 then return "reserved" end
  if status == 200 and graphql_sale ~= nil then
    if body:find('"orderId":"', 1, true) ~= nil then return "reserved" end
    local code = body:match('"code":"([a-z_]+)"')
    if code ~= nil and known_codes[code] then return code end
    return "refused_other"
  end
  if status == 200 then return "ok" end
  if status >= 500 or status < 200 then return "error" end
  local code = body:match('"code":"([a-z_]+)"')
  if code ~= nil and known_codes[code] then return code end
  return "refused_other"
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  local outcome = outcome_of(status, body)
  outcomes[outcome] = (outcomes[outcome] or 0) + 1
  if outcome == "reserved" then
    local order = body:match('"orderId":"([^"]+)"')
    if order ~= nil then orders[#orders + 1] = order end
  end
  answers_since = answers_since + 1
  -- Reported every PROGRESS_EVERY answers, and at least once a second: os.time() ticks in whole
  -- seconds, at a moment unrelated to the phase's start, so reporting on the tick alone left the
  -- bench's first second of a phase with next to nothing counted (it read as a stall that was not).
  local now = os.time()
  if answers_since >= PROGRESS_EVERY or now ~= second then
    second = now
    io.stderr:write("progress " .. answers_since .. "\n")
    answers_since = 0
  end
end

function done(summary, latency, requests)
  local status_total, outcome_total = {}, {}
  local out = assert(io.open(os.getenv("STAMPEDE_RESULT"), "w"))
  for _, thread in ipairs(threads) do
    for code, n in pairs(thread:get("statuses")) do status_total[code] = (status_total[code] or 0) + n end
    for name, n in pairs(thread:get("outcomes")) do outcome_total[name] = (outcome_total[name] or 0) + n end
    for _, order in ipairs(thread:get("orders")) do out:write("order ", order, "\n") end
  end
  for code, n in pairs(status_total) do out:write("status ", code, " ", n, "\n") end
  for name, n in pairs(outcome_total) do out:write("outcome ", name, " ", n, "\n") end
  out:close()
end
