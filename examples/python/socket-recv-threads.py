"""A server thread blocks in recv on one end of a socket pair while a client thread prepares and sends a request on the other.

Expected:
loop-never-blocked: n/a
no-lost-update: yes
no-deadlock: yes
offload-in-parallel: yes
"""
import socket
import threading
import time

received = {}


def server(conn):
    data = conn.recv(1024)  # gilcheck: io 20
    received["server"] = len(data)
    conn.close()


def client(conn):
    time.sleep(0.02)  # building the request
    conn.sendall(b"PING /health\n")  # gilcheck: io 1
    conn.close()


if __name__ == "__main__":
    left, right = socket.socketpair()
    s = threading.Thread(target=server, args=(left,))
    c = threading.Thread(target=client, args=(right,))
    s.start()
    c.start()
    s.join()
    c.join()
    print("received", received)
