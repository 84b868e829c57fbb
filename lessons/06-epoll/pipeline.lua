-- pipeline.lua - make wrk send 16 requests per write (HTTP pipelining):
--   wrk -t1 -c50 -d5s -s lessons/06-epoll/pipeline.lua http://127.0.0.1:8006/
init = function(args)
   local r = {}
   for i = 1, 16 do r[i] = wrk.format(nil, "/") end
   req = table.concat(r)
end
request = function() return req end
