"""ws_python - Python's websockets library as bench/19-websocket.sh's reference.

Same behaviour as every server in that benchmark: /echo sends each
message back as it came; /broadcast sends each message to every
connection open on /broadcast, the sender included (websockets.broadcast
writes the frame to each without waiting on any). No compression is
offered, as by the other servers. One process on 127.0.0.1, Debian's
python3-websockets (10.x):

    /usr/bin/python3 bench/ref/ws_python.py --port 8000
"""
import asyncio
import signal
import sys

import websockets

members = set()


async def handler(ws, path):
    try:
        if path == "/echo":
            async for message in ws:
                await ws.send(message)
        elif path == "/broadcast":
            members.add(ws)
            async for message in ws:
                websockets.broadcast(members, message)
        else:
            await ws.close(1008, "no such path")
    except websockets.ConnectionClosed:
        pass  # a client leaving with an echo still on its way
    finally:
        members.discard(ws)


async def main(port):
    stop = asyncio.get_running_loop().create_future()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set_result, None)
    async with websockets.serve(handler, "127.0.0.1", port, compression=None, max_size=2**24,
                                ping_interval=None, backlog=4096) as server:
        bound = next(iter(server.sockets)).getsockname()[1]
        print("listening on http://127.0.0.1:%d/" % bound, flush=True)
        await stop


if __name__ == "__main__":
    port = int(sys.argv[2]) if len(sys.argv) == 3 and sys.argv[1] == "--port" else 0
    asyncio.run(main(port))
