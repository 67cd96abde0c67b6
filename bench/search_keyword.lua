-- GET /customers?keyword=... : a substring of names and emails, first page.
local words = {"smith1", "lee2", "garcia3", "novak4", "okafor5", "tanaka6", "muller7", "rossi8"}
local n = 0
function request()
  n = n + 1
  local path = "/api/v3/1003/customers?limit=10&keyword=" .. words[(n % #words) + 1] .. (n % 100)
  return wrk.format("GET", path, {["Authorization"]="Bearer " .. os.getenv("TOKEN")})
end
