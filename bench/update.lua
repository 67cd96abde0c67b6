-- PUT /customers/{id} over ids 1 to 1,000: notes, a billing field and marketing consent.
local n = 0
function request()
  n = n + 1
  local body = string.format('{"privateAdminNotes":"note %d","billingPerson":{"city":"City %d"},"acceptMarketing":%s}', n, n % 50, (n % 2 == 0) and "true" or "false")
  return wrk.format("PUT", "/api/v3/1003/customers/" .. ((n % 1000) + 1), {["Content-Type"]="application/json", ["Authorization"]="Bearer " .. os.getenv("TOKEN")}, body)
end
