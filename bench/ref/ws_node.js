// ws_node - Node's `ws` library as bench/19-websocket.sh's reference.
//
// Same behaviour as every server in that benchmark: /echo sends each
// message back as it came (text or binary); /broadcast sends each message
// to every connection open on /broadcast, the sender included. No
// compression (ws offers none by default). One process on 127.0.0.1; `ws`
// comes from tests/fixtures/ws_node/package.json (scripts/deps.sh installs it):
//
//     NODE_PATH=tests/fixtures/ws_node/node_modules node bench/ref/ws_node.js --port 8000
'use strict';
const http = require('http');
const { WebSocketServer } = require('ws');

const args = process.argv.slice(2);
const port = args[0] === '--port' ? Number(args[1]) : 0;

const server = http.createServer((req, res) => {
  res.writeHead(426, { 'Content-Type': 'text/plain' });
  res.end('WebSocket only: /echo, /broadcast\n');
});
const echo = new WebSocketServer({ noServer: true, maxPayload: 1 << 24 });
const broadcast = new WebSocketServer({ noServer: true, maxPayload: 1 << 24 });

echo.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
});
broadcast.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => {
    for (const member of broadcast.clients) member.send(data, { binary: isBinary });
  });
});

server.on('upgrade', (req, socket, head) => {
  const target = req.url === '/echo' ? echo : req.url === '/broadcast' ? broadcast : null;
  if (!target) {
    socket.destroy();
    return;
  }
  target.handleUpgrade(req, socket, head, (ws) => target.emit('connection', ws, req));
});

server.listen({ port, host: '127.0.0.1', backlog: 4096 }, () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}/`);
});
process.on('SIGTERM', () => process.exit(0));
