#!/usr/bin/env python3
"""svc_clients.py: hostile HTTP clients for the service's shell tests
(t_service_memory.sh, t_service_connections.sh); not a test itself.

  flood URL COUNT [PAASID TOKEN]
      COUNT concurrent POSTs of a 1 MiB JSON array (about 512 Ki values,
      the costliest body to parse), signed with PAASID/TOKEN when given, else
      without gateway headers. Prints one line per outcome kind,
      "N status err_msg" (status "reset" when the connection was closed
      before an answer), sorted.
  hold URL COUNT CL PAASID TOKEN REFUSED
      COUNT signed POSTs declaring a Content-Length of CL bytes, headers
      only; waits (bounded) until REFUSED of them are answered, then
      sends the bodies of the others and reads their answers. Prints
      "N status err_msg" lines like flood.
  connections URL SOURCE COUNT MODE EXPECT [wait]
      Opens COUNT connections from the address SOURCE (any of 127/8 on
      Linux) and holds them: MODE idle sends nothing, slowloris sends a
      request line one byte at a time. Prints "held N" once at most EXPECT
      are left open (the server closes the ones it refuses at accept;
      bounded wait), then waits for a line (or end of input) on stdin, or
      with "wait" until the server has closed all it held (bounded,
      dribbling meanwhile), and prints "closed N": how many of the held
      ones the server closed.
"""
import hashlib
import select
import socket
import sys
import threading
import time
from collections import Counter
from urllib.parse import urlsplit

ANSWER_WAIT_S = 60  # a bound on waiting for an answer, never a pace
DRIBBLE_S = 2  # slowloris: a byte per connection this often (faster than any idle timeout)
BODY = b"[" + b",".join([b"1"] * 524287) + b"]"  # 1,048,575 bytes


def target(url):
    u = urlsplit(url)
    return u.hostname, u.port, u.path


def headers(url, length, paasid=None, token=None, nonce="n"):
    host, port, path = target(url)
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}:{port}",
             "Content-Type: application/json", f"Content-Length: {length}"]
    if paasid:
        ts = str(int(time.time()))
        sig = hashlib.sha256((ts + token + nonce + ts).encode()).hexdigest()
        lines += [f"x-tif-paasid: {paasid}", f"x-tif-timestamp: {ts}",
                  f"x-tif-nonce: {nonce}", f"x-tif-signature: {sig}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def read_answer(sock):
    """(status, err_msg) of the answer, or ("reset", "") without one."""
    data = b""
    sock.settimeout(ANSWER_WAIT_S)
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
            head, sep, body = data.partition(b"\r\n\r\n")
            if sep and b"content-length:" in head.lower():
                want = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
                if len(body) >= want:
                    break
    except OSError:
        pass
    if not data.startswith(b"HTTP/1."):
        return ("reset", "")
    status = data.split(b" ")[1].decode()
    body = data.partition(b"\r\n\r\n")[2]
    msg = ""
    if b'"err_msg":"' in body:
        msg = body.split(b'"err_msg":"')[1].split(b'"')[0].decode(errors="replace")
    return (status, msg)


def report(outcomes):
    for (status, msg), n in sorted(Counter(outcomes).items()):
        print(n, status, msg)


def flood(url, count, paasid=None, token=None):
    host, port, _ = target(url)
    outcomes = []
    lock = threading.Lock()

    def one(i):
        s = socket.create_connection((host, port))
        try:
            s.sendall(headers(url, len(BODY), paasid, token, f"flood-{time.time_ns()}-{i}") + BODY)
        except OSError:
            pass  # refused before the body: the answer may still be readable
        r = read_answer(s)
        s.close()
        with lock:
            outcomes.append(r)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    report(outcomes)


def hold(url, count, length, paasid, token, refused):
    host, port, _ = target(url)
    socks = []
    for i in range(count):
        s = socket.create_connection((host, port))
        s.sendall(headers(url, length, paasid, token, f"hold-{time.time_ns()}-{i}"))
        socks.append(s)
    outcomes, waiting = [], list(socks)
    deadline = time.monotonic() + ANSWER_WAIT_S
    # the refused ones answer at once, the admitted ones only after their
    # body: wait (bounded) for the expected number of answers
    while len(outcomes) < refused and time.monotonic() < deadline:
        ready, _, _ = select.select(waiting, [], [], 1.0)
        for s in ready:
            outcomes.append(read_answer(s))
            waiting.remove(s)
    body = BODY[:length] if length <= len(BODY) else BODY + b" " * (length - len(BODY))
    for s in waiting:
        try:
            s.sendall(body)
        except OSError:
            pass
        outcomes.append(read_answer(s))
    for s in socks:
        s.close()
    report(outcomes)


def connections(url, source, count, mode, expect, wait_closed):
    host, port, _ = target(url)
    socks = []
    for _ in range(count):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind((source, 0))
        s.connect((host, port))
        if mode == "slowloris":
            s.send(b"P")
        s.setblocking(False)
        socks.append(s)
    closed = set()

    def sweep():
        for i, s in enumerate(socks):
            if i in closed:
                continue
            try:
                if s.recv(1) == b"":
                    closed.add(i)
            except BlockingIOError:
                pass
            except OSError:
                closed.add(i)

    # refused connections are closed at accept: wait (bounded) until no
    # more than the expected number are left open
    for _ in range(600):
        sweep()
        if count - len(closed) <= expect:
            break
        time.sleep(0.05)
    held = count - len(closed)
    print("held", held, flush=True)
    if wait_closed:
        # the attacker's pace: one byte per held connection every
        # DRIBBLE_S, until the server has closed them all (bounded)
        deadline = time.monotonic() + ANSWER_WAIT_S
        while len(closed) < count and time.monotonic() < deadline:
            for i, s in enumerate(socks):
                if i not in closed and mode == "slowloris":
                    try:
                        s.send(b"O")
                    except OSError:
                        closed.add(i)
            time.sleep(DRIBBLE_S)
            sweep()
    else:
        sys.stdin.readline()
        sweep()
    print("closed", held - (count - len(closed)), flush=True)
    for s in socks:
        s.close()


def main(argv):
    cmd = argv[1]
    if cmd == "flood":
        flood(argv[2], int(argv[3]), *(argv[4:6]))
    elif cmd == "hold":
        hold(argv[2], int(argv[3]), int(argv[4]), argv[5], argv[6], int(argv[7]))
    elif cmd == "connections":
        connections(argv[2], argv[3], int(argv[4]), argv[5], int(argv[6]), argv[7:8] == ["wait"])
    else:
        sys.exit(f"svc_clients.py: unknown command {cmd}")


if __name__ == "__main__":
    main(sys.argv)
