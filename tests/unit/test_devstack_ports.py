"""`make run`'s port check: a port is "in use" only while something listens on it."""
import socket

import pytest

from devstack.stack import ensure_free

HOST = '127.0.0.1'


def server_socket():
    """A listener as the stack's servers open theirs (SO_REUSEADDR, like http.server's)."""
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind((HOST, 0))
    server.listen()
    return server


def test_a_port_whose_last_connection_is_in_time_wait_is_free():
    """A stack that served requests and stopped leaves its side of them in TIME_WAIT for a minute."""
    server = server_socket()
    port = server.getsockname()[1]
    client = socket.create_connection((HOST, port))
    accepted, _ = server.accept()
    accepted.close()                      # the server closes first: its side goes to TIME_WAIT
    assert client.recv(1) == b''
    client.close()
    server.close()

    ensure_free(HOST, [port])


def test_a_port_something_listens_on_is_in_use():
    with server_socket() as server:
        port = server.getsockname()[1]
        with pytest.raises(OSError, match=f'{HOST}:{port} is already in use'):
            ensure_free(HOST, [0, port])
