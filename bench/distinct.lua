-- wrk script: every request a URL no cache holds yet (bench/cluster.py, uncached runs).
-- (ally, year, page size) never repeats within a run; the first argument moves the page sizes
-- so that successive runs do not meet each other's cache entries either.
local allies = {"ALB","BEL","BGR","CAN","HRV","CZE","DNK","EST","FIN","FRA","DEU","GRC","HUN",
  "ITA","LVA","LTU","LUX","MNE","NLD","MKD","NOR","POL","PRT","ROU","SVK","SVN","ESP","SWE",
  "TUR","GBR","USA"}
local counter, base = 0, 0

function init(args)
  base = tonumber(args[1] or "0")
end

function request()
  local n = #allies
  local block = n * 13
  local ally = allies[counter % n + 1]
  local year = 2014 + math.floor(counter / n) % 13
  local limit = 1 + (base + math.floor(counter / block)) % 1000
  counter = counter + 1
  return wrk.format("GET", "/v1/observations?ally=" .. ally .. "&year=" .. year .. "&limit=" .. limit)
end
