-- wrk script for Scripts/bench-sandbox.sh: alternates creates (unique e-mails) and partial
-- updates of pre-seeded users. Reads TOKEN, ORG, SEEDED (count) and ID_PREFIX from the environment.
local token = os.getenv("TOKEN")
local org = os.getenv("ORG")
local seeded = tonumber(os.getenv("SEEDED"))
local prefix = os.getenv("ID_PREFIX")
local counter = 0
local base = "/api/partners/v2.0/org/" .. org .. "/users"

request = function()
  counter = counter + 1
  local headers = { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" }
  if counter % 2 == 1 then
    local n = math.random(1, 2^30) .. "-" .. counter
    local body = '{"role":"staff","email":"bench' .. n .. '@example.com","first_name":"Bench","external_user_id":"bench-' .. n .. '"}'
    return wrk.format("POST", base, headers, body)
  end
  local id = string.format("%s%012d", prefix, counter % seeded)
  local role = (counter % 4 == 0) and "admin" or "staff"
  return wrk.format("PUT", base .. "/" .. id, headers, '{"role":"' .. role .. '"}')
end

done = function(summary, latency, requests)
  io.write(string.format("BENCH requests=%d seconds=%.3f non2xx=%d errors=%d p50_ms=%.2f p99_ms=%.2f\n",
    summary.requests, summary.duration / 1e6, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
