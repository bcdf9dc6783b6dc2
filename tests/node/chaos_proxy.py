#!/usr/bin/env python3
"""A TCP proxy that misbehaves on purpose, for process-level fault tests.

Usage: chaos_proxy.py LISTEN_PORT TARGET_PORT CONTROL_FILE STATS_FILE SEED

Every 100 ms it reads its mode from CONTROL_FILE:
  pass   forward bytes unchanged
  chaos  per chunk: delay 0..30 ms; with small probabilities drop the chunk,
         send it twice, or cut the connection (both sides). Under TLS a
         dropped or duplicated chunk is a record the peer cannot authenticate,
         so the connection dies: the nodes must reconnect and redeliver.
  stall  stop reading in both directions (the sender's kernel buffers fill:
         a peer that stops reading)
  cut    close every connection now and refuse new ones until the mode changes
It writes its counters as JSON to STATS_FILE after every change.
"""
import asyncio
import json
import random
import sys

LISTEN, TARGET = int(sys.argv[1]), int(sys.argv[2])
CONTROL, STATS = sys.argv[3], sys.argv[4]
rng = random.Random(int(sys.argv[5]))

MAX_DELAY_S = 0.030
P_DROP, P_DUP, P_CUT = 0.01, 0.01, 0.01
mode = "pass"
stats = {"connections": 0, "chunks": 0, "dropped": 0, "duplicated": 0,
         "cut": 0, "stalled_s": 0.0, "refused": 0}
writers = set()


def save():
    with open(STATS, "w") as f:
        json.dump(stats, f)


async def watch_control():
    global mode
    while True:
        try:
            with open(CONTROL) as f:
                m = f.read().strip() or "pass"
        except OSError:
            m = "pass"
        if m != mode:
            mode = m
            if mode == "cut":
                for w in list(writers):
                    w.close()
                    stats["cut"] += 1
            save()
        if mode == "stall":
            stats["stalled_s"] += 0.1
        await asyncio.sleep(0.1)


async def pipe(reader, writer, other):
    try:
        while True:
            while mode == "stall":
                await asyncio.sleep(0.05)
            data = await reader.read(16384)
            if not data:
                break
            stats["chunks"] += 1
            if mode == "chaos":
                await asyncio.sleep(rng.uniform(0, MAX_DELAY_S))
                roll = rng.random()
                if roll < P_CUT:
                    stats["cut"] += 1
                    save()
                    break
                if roll < P_CUT + P_DROP:
                    stats["dropped"] += 1
                    continue
                if roll < P_CUT + P_DROP + P_DUP:
                    stats["duplicated"] += 1
                    writer.write(data)
            if mode == "cut":
                break
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        for w in (writer, other):
            w.close()


async def handle(client_reader, client_writer):
    if mode == "cut":
        stats["refused"] += 1
        client_writer.close()
        return
    try:
        server_reader, server_writer = await asyncio.open_connection("127.0.0.1", TARGET)
    except OSError:
        client_writer.close()
        return
    stats["connections"] += 1
    save()
    writers.update({client_writer, server_writer})
    await asyncio.gather(pipe(client_reader, server_writer, client_writer),
                         pipe(server_reader, client_writer, server_writer))
    writers.difference_update({client_writer, server_writer})


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", LISTEN)
    save()
    async with server:
        await asyncio.gather(server.serve_forever(), watch_control())


asyncio.run(main())
