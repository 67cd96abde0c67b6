local counter = 0
local body_tpl = [[{"email":"user%d-%d@example.net","billingPerson":{"name":"Ann Smith","companyName":"Smith & Daughters","street":"1 Main Street\nSuite 200","city":"New York","countryCode":"US","postalCode":"10001","stateOrProvinceCode":"NY","phone":"+12125550100"},"shippingAddresses":[{"name":"Ann Smith","companyName":"Smith & Daughters","street":"12 Warehouse Lane","city":"Boston","countryCode":"US","postalCode":"02110","stateOrProvinceCode":"MA","phone":"+16175550100"},{"name":"Ann Smith","street":"5 Harbour Road","city":"Toronto","countryCode":"CA","postalCode":"M5H 2N2","stateOrProvinceCode":"ON","phone":"+14165550100"}],"contacts":[{"contact":"https://www.facebook.com/myshop_page","handle":"myshop_page","type":"FACEBOOK"}],"customerGroupId":0,"b2b_b2c":"b2c","taxId":"IT12345678901","taxIdValid":true,"taxExempt":false,"acceptMarketing":true,"lang":"en","privateAdminNotes":"Met at the trade fair in spring; prefers invoices by email, ships to two addresses, asks for quotes before large orders and pays within thirty days.","fiscalCode":"SMTNNA80A41F205X"}]]
local thread_id = 0
function setup(thread) thread:set("tid", thread_id); thread_id = thread_id + 1 end
-- Each wrk thread seeds alike within a second: its number keeps the emails of threads apart.
function init(args) math.randomseed(os.time()) ; salt = math.random(1, 1000000000) + tid * 1000000007 end
function request()
  counter = counter + 1
  return wrk.format("POST", nil, {["Content-Type"]="application/json", ["Authorization"]="Bearer " .. os.getenv("TOKEN")}, string.format(body_tpl, salt, counter))
end
