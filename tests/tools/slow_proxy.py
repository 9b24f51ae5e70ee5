#!/usr/bin/env python3
"""slow_proxy.py: a TCP proxy that delays every byte by a fixed time each way, to put a server
"far away" (a 100 ms round trip on loopback) for benchmarks of team mode.

    slow_proxy.py TARGET_HOST TARGET_PORT ONE_WAY_MS

Listens on 127.0.0.1 on a free port, prints that port on stdout (one line), then forwards
connections to TARGET until killed. Order is kept: each chunk is written ONE_WAY_MS after it was
read. A target that is down makes the client's connection close at once, as a real refusal does.
"""
import asyncio
import sys


async def pump(reader, writer, delay):
    loop = asyncio.get_running_loop()
    queue = asyncio.Queue()

    async def sender():
        while True:
            due, data = await queue.get()
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            if data is None:
                break
            writer.write(data)
            await writer.drain()
        writer.close()

    task = asyncio.create_task(sender())
    try:
        while True:
            data = await reader.read(65536)
            await queue.put((loop.time() + delay, data if data else None))
            if not data:
                break
    except (ConnectionError, OSError):
        await queue.put((loop.time(), None))
    try:
        await task
    except (ConnectionError, OSError):
        pass


async def main():
    host, port, one_way = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]) / 1000.0

    async def handle(creader, cwriter):
        try:
            sreader, swriter = await asyncio.open_connection(host, port)
        except OSError:
            cwriter.close()
            return
        await asyncio.gather(pump(creader, swriter, one_way), pump(sreader, cwriter, one_way))

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
