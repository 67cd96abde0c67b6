local n = 0
function request()
  n = n + 1
  return wrk.format("GET", "/api/v3/" .. (os.getenv("STORE") or "1003") .. "/customers/" .. ((n % 1000) + 1), {["Authorization"]="Bearer " .. os.getenv("TOKEN")})
end
