-- wrk script for make bench: each request is a new self-application with a valid, unique ID number
-- (GB 11643 check digit), so each one is a real database commit and outbox event at intake.
-- `wrk ... -s apply.lua URL -- RUN` starts each run's people elsewhere: a run that repeated an earlier
-- run's people would measure the "you already applied" answer (200), not new applications (201).
local weights = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
local checks = {"1", "0", "X", "9", "8", "7", "6", "5", "4", "3", "2"}
local threads = {}
local id = 0

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

local counter = 0
local run = 0

function init(args)
  run = tonumber(args[1]) or 0
end
local base = os.time({year = 1941, month = 1, day = 1, hour = 12})

local function id_number(u)
  local seq = u % 1000
  local date = os.date("*t", base + math.floor(u / 1000) * 86400)
  local body = string.format("370125%04d%02d%02d%03d", date.year, date.month, date.day, seq)
  local sum = 0
  for i = 1, 17 do sum = sum + tonumber(body:sub(i, i)) * weights[i] end
  return body .. checks[(sum % 11) + 1]
end

function request()
  counter = counter + 1
  local u = run * 2000000 + (tid or 0) * 1000000 + counter
  local body = string.format(
    '{"villageCode":"370115101201","applicantName":"压测","idNumber":"%s","phone":"139%08d","householdSize":3,' ..
    '"difficulties":["illness"],"statement":"bench","consent":true}', id_number(u), u % 100000000)
  return wrk.format("POST", "/v1/applications", {["Content-Type"] = "application/json"}, body)
end
