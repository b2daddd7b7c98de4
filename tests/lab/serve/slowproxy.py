"""A unix-socket proxy to the engine, in a thread of the test: it records
the request lines that pass (to count what a request costs the engine),
can hold each request back for `delay` seconds (a request in flight for as
long as a test needs), and can be stopped and started again (the engine
going away and coming back)."""
import os
import re
import socket
import threading
import time

REQUEST_LINE = re.compile(rb"(GET|POST|PUT|DELETE|HEAD) (\S+) HTTP/1\.[01]\r\n")


class Proxy:
    def __init__(self, listen, engine):
        self.listen, self.engine = listen, engine
        self.delay = 0.0
        self.lines = []
        self.lock = threading.Lock()
        self.sock = None
        self.conns = []

    @property
    def url(self):
        return "unix://" + self.listen

    def start(self):
        if os.path.exists(self.listen):
            os.unlink(self.listen)
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.bind(self.listen)
        self.sock.listen(64)
        threading.Thread(target=self._accept, args=(self.sock,), daemon=True).start()

    def stop(self):
        """Close the listener and every connection: the engine is gone."""
        sock, self.sock = self.sock, None
        if sock:
            sock.close()
        with self.lock:
            conns, self.conns = self.conns, []
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            c.close()
        if os.path.exists(self.listen):
            os.unlink(self.listen)

    def requests(self):
        with self.lock:
            return list(self.lines)

    def clear(self):
        with self.lock:
            self.lines.clear()

    def _accept(self, sock):
        while True:
            try:
                client, _ = sock.accept()
            except OSError:
                return
            upstream = socket.socket(socket.AF_UNIX)
            try:
                upstream.connect(self.engine)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.conns += [client, upstream]
            threading.Thread(target=self._pipe, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, False), daemon=True).start()

    def _pipe(self, src, dst, to_engine):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if to_engine:
                    found = [(m.group(1).decode(), m.group(2).decode())
                             for m in REQUEST_LINE.finditer(data)]
                    with self.lock:
                        self.lines += found
                    if found and self.delay:
                        time.sleep(self.delay)
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
