-- GET /customers?email=... for one of 1,000 customers created by the create load (exact match).
local n = 0
function request()
  n = n + 1
  local path = "/api/v3/1003/customers?useExactEmailMatch=true&email=" .. os.getenv("EMAIL_PREFIX") .. (n % 1000) .. "@mail" .. ((n % 1000) % 97) .. ".example"
  return wrk.format("GET", path, {["Authorization"]="Bearer " .. os.getenv("TOKEN")})
end
