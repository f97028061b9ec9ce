#!/usr/bin/env python3
"""Behind real HAProxy (Debian's haproxy), on loopback: three servers (proxied_echo: iohIOCP with
OnExecute, iohDefault with OnExecute, iohIOCP with OnMessage) get the clients' connections with
send-proxy-v2 and are health-checked.

  haproxy_test.py HAPROXY PROXIED_ECHO WORKDIR [--connections N]

1. N client connections (default 2,000) through HAProxy: each server's greeting names the peer it
   sees, which must be the client's own address and port (the PROXY header's), then 10 lines each
   come back exactly, in order.
2. A rolling restart while the N connections keep echoing: for each server in turn a successor
   starts on the same port (ReusePort) and the old one drains (SIGUSR1: Drain); its clients are
   told "BYE" (the server's OnDraining), close, reconnect through HAProxy and send their unanswered
   line again. 0 failed requests: no connection ends without its answer, no line is lost or
   duplicated, and PeerIP is the client's on every server, old and new.
3. The same N connections keep echoing while one server is killed with SIGKILL: the connections it
   served fail, reconnect through HAProxy and must be served by the other two again (HAProxy's
   health check, every 200 ms, takes the dead one out). A line in flight when its connection
   failed is sent again on the new one: nothing is lost or duplicated; every connection is served
   again before the phase ends.

Prints the figures (requests, failures, reconnects, the longest time a client was without a
server) and exits 0 only when every check held.
"""
import asyncio
import os
import signal
import socket
import subprocess
import sys
import time

CHECK_INTER_MS = 200


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start_server(binary, name, io, model, port=0):
    p = subprocess.Popen([binary, name, "--io", io, "--model", model, "--port", str(port)], stdout=subprocess.PIPE,
                         text=True)
    line = p.stdout.readline()
    if not line.startswith("port "):
        raise SystemExit(f"haproxy_test: {name} did not start: {line!r}")
    return p, int(line.split()[1])


def haproxy_config(workdir, front, servers):
    lines = [
        "global",
        "  maxconn 6000",
        f"  stats socket {workdir}/haproxy.sock mode 600 level admin",
        "defaults",
        "  mode tcp",
        "  timeout connect 2s",
        "  timeout client 60s",
        "  timeout server 60s",
        "  retries 3",
        "  option redispatch",
        "frontend fe",
        f"  bind 127.0.0.1:{front}",
        "  default_backend be",
        "backend be",
        "  balance roundrobin",
    ]
    for name, port in servers:
        lines.append(f"  server {name} 127.0.0.1:{port} send-proxy-v2 check check-send-proxy "
                     f"inter {CHECK_INTER_MS}ms fall 2 rise 2")
    path = os.path.join(workdir, "haproxy.cfg")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def server_states(workdir):
    """{server: status} from HAProxy's stats socket."""
    s = socket.socket(socket.AF_UNIX)
    s.connect(os.path.join(workdir, "haproxy.sock"))
    s.sendall(b"show stat\n")
    data = b""
    while chunk := s.recv(65536):
        data += chunk
    s.close()
    states = {}
    for row in data.decode().splitlines():
        cols = row.split(",")
        if len(cols) > 17 and cols[0] == "be" and cols[1] not in ("BACKEND", "FRONTEND"):
            states[cols[1]] = cols[17]
    return states


class Failures:
    def __init__(self):
        self.items = []

    def add(self, text):
        if len(self.items) < 20:
            self.items.append(text)
        else:
            self.items.append(None)


class Client:
    """One connection's life: greetings checked, every line's echo checked, reconnects counted."""

    def __init__(self, index, front, failures, stats):
        self.index, self.front, self.failures, self.stats = index, front, failures, stats
        self.sent = 0  # Lines whose echo came back.
        self.reader = self.writer = None
        self.server = None

    async def connect(self, allowed):
        while True:
            try:
                self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.front)
                greeting = await asyncio.wait_for(self.reader.readline(), 10)
            except (OSError, asyncio.TimeoutError):
                greeting = b""
            if greeting.endswith(b"\r\n") and greeting != b"BYE\r\n":
                name, ip, port = greeting.decode().split()
                own = self.writer.get_extra_info("sockname")
                if (ip, int(port)) != (own[0], own[1]):
                    self.failures.add(f"client {self.index}: {name} sees {ip}:{port}, the client is {own[0]}:{own[1]}")
                if name not in allowed:
                    self.failures.add(f"client {self.index}: served by {name}, not one of {sorted(allowed)}")
                self.server = name
                self.stats["served_by"][name] = self.stats["served_by"].get(name, 0) + 1
                return
            # HAProxy closed at once: no server for it yet. Try again shortly.
            if self.writer:
                self.writer.close()
            self.stats["connect_retries"] += 1
            await asyncio.sleep(0.05)

    async def echo_one(self):
        """"ok" when the next line came back exactly, "bye" when the server said it drains (the
        line was not served), "failed" when the connection ended without an answer."""
        line = f"client {self.index} line {self.sent} {'x' * (self.index % 50)}\r\n".encode()
        try:
            self.writer.write(line)
            await self.writer.drain()
            got = await asyncio.wait_for(self.reader.readline(), 30)
        except (OSError, asyncio.TimeoutError):
            return "failed"
        if not got:
            return "failed"
        if got == b"BYE\r\n":
            self.stats["byes"] += 1
            return "bye"
        if got != line:
            self.failures.add(f"client {self.index}: sent {line!r}, got {got!r}")
        self.sent += 1
        self.stats["requests"] += 1
        return "ok"


async def phase_one(clients, allowed):
    await asyncio.gather(*(c.connect(allowed) for c in clients))
    for _ in range(10):
        results = await asyncio.gather(*(c.echo_one() for c in clients))
        for c, r in zip(clients, results):
            if r != "ok":
                c.failures.add(f"client {c.index}: {r} with every server up")


async def phase_rolling(clients, procs, servers, binary, specs, stats):
    """Every server in turn: its successor starts on its port, the old one drains and exits."""
    stop = [False]
    loop = asyncio.get_running_loop()

    async def run(c):
        while not stop[0]:
            r = await c.echo_one()
            if r == "ok":
                continue
            if r == "failed":
                c.failures.add(f"client {c.index}: its connection to {c.server} ended without an answer "
                               "during the rolling restart")
            stats["reconnects"] += 1
            c.writer.close()
            await c.connect({"s1", "s2", "s3"})

    def restart(i):
        name, io, model = specs[i]
        port = servers[i][1]
        successor, _ = start_server(binary, name, io, model, port)
        old = procs[i]
        procs[i] = successor
        old.send_signal(signal.SIGUSR1)
        said = old.stdout.readline().strip()
        old.wait(30)
        return said

    async def restarts():
        said = []
        for i in range(len(servers)):
            await asyncio.sleep(0.5)
            said.append(await loop.run_in_executor(None, restart, i))
        await asyncio.sleep(0.5)
        stop[0] = True
        return said

    tasks = [asyncio.ensure_future(run(c)) for c in clients]
    said = await restarts()
    await asyncio.gather(*tasks)
    return said


async def phase_two(clients, victim, victim_name, others, seconds, stats):
    end = time.monotonic() + seconds
    killed_at = [None]
    outage = []

    async def run(c):
        while time.monotonic() < end:
            if await c.echo_one() == "ok":
                continue
            failed_at = time.monotonic()
            if c.server != victim_name:
                c.failures.add(f"client {c.index}: its connection to {c.server}, which was not killed, failed")
            stats["failed_connections"] += 1
            c.writer.close()
            await c.connect(others)
            # The line in flight is sent again on the new connection (echo_one did not count it).
            while await c.echo_one() != "ok":
                c.writer.close()
                await c.connect(others)
            outage.append(time.monotonic() - failed_at)

    async def kill():
        await asyncio.sleep(seconds / 4)
        killed_at[0] = time.monotonic()
        victim.send_signal(signal.SIGKILL)

    await asyncio.gather(kill(), *(run(c) for c in clients))
    return outage


def main():
    if len(sys.argv) < 4:
        raise SystemExit(__doc__)
    haproxy, binary, workdir = sys.argv[1:4]
    connections = int(sys.argv[sys.argv.index("--connections") + 1]) if "--connections" in sys.argv else 2000
    os.makedirs(workdir, exist_ok=True)
    procs = []
    try:
        servers = []
        specs = (("s1", "iocp", "execute"), ("s2", "default", "execute"), ("s3", "iocp", "event"))
        for name, io, model in specs:
            p, port = start_server(binary, name, io, model)
            procs.append(p)
            servers.append((name, port))
        front = free_port()
        cfg = haproxy_config(workdir, front, servers)
        ha = subprocess.Popen([haproxy, "-f", cfg, "-db"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        procs.append(ha)
        deadline = time.monotonic() + 30
        states = {}
        while time.monotonic() < deadline:
            if ha.poll() is not None:
                raise SystemExit("haproxy_test: haproxy exited: " + ha.stderr.read())
            try:
                states = server_states(workdir)
            except OSError:
                states = {}
            if len(states) == 3 and all(s == "UP" for s in states.values()):
                break
            time.sleep(0.1)
        else:
            raise SystemExit(f"haproxy_test: the servers are not all UP in HAProxy after 30 s: {states}")

        failures = Failures()
        stats = {"requests": 0, "failed_connections": 0, "connect_retries": 0, "served_by": {}, "byes": 0,
                 "reconnects": 0}
        clients = [Client(i, front, failures, stats) for i in range(connections)]
        started = time.monotonic()
        loop = asyncio.new_event_loop()  # One loop for both phases: the connections live in it.
        loop.run_until_complete(phase_one(clients, {"s1", "s2", "s3"}))
        print(f"haproxy_test: {connections} connections through HAProxy (send-proxy-v2), 10 lines each: "
              f"{stats['requests']} echoes in {time.monotonic() - started:.1f} s, served by {stats['served_by']}")
        for name, _ in servers:
            if stats["served_by"].get(name, 0) == 0:
                failures.add(f"{name} served no connection")

        before = stats["requests"]
        started = time.monotonic()
        said = loop.run_until_complete(phase_rolling(clients, procs, servers, binary, specs, stats))
        print(f"haproxy_test: rolling restart (each server drained and replaced on its port, ReusePort): "
              f"{stats['requests'] - before} echoes in {time.monotonic() - started:.1f} s, {stats['byes']} "
              f"BYEs, each line in flight then sent again after a reconnect, no connection ended without its answer; "
              f"the old servers said {said}")
        for s_ in said:
            if s_ != "drained all":
                failures.add(f"a drained server said {s_!r}")
        if stats["byes"] == 0:
            failures.add("no connection was drained: the rolling restart proves nothing")

        victim = procs[1]  # s2, iohDefault.
        before = stats["requests"]
        outage = loop.run_until_complete(phase_two(clients, victim, "s2", {"s1", "s3"}, 4.0, stats))
        for c in clients:
            c.writer.close()
        loop.close()
        states = server_states(workdir)
        print(f"haproxy_test: s2 killed (SIGKILL) under load: {stats['requests'] - before} echoes in 4 s, "
              f"{stats['failed_connections']} connections failed and were served again by s1/s3 "
              f"(longest time without a server {max(outage) * 1000 if outage else 0:.0f} ms; health check every "
              f"{CHECK_INTER_MS} ms, down after 2), {stats['connect_retries']} connects HAProxy closed at once; "
              f"HAProxy sees {states}")
        if stats["failed_connections"] == 0:
            failures.add("no connection failed when s2 was killed: the kill proves nothing")
        if states.get("s2", "").startswith("UP"):
            failures.add(f"HAProxy still has s2 up: {states}")
        for c in clients:
            if c.server == "s2":
                failures.add(f"client {c.index} still on s2")
                break
        if failures.items:
            for f in failures.items:
                print("haproxy_test: FAIL " + (f if f else "(more)"))
            return 1
        print("haproxy_test: pass")
        return 0
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
        for p in procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()


if __name__ == "__main__":
    sys.exit(main())
