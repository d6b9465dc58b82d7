"""Raw HTTP/1.1 requests, for what an HTTP client library would refuse or rewrite (invalid
percent-encoding, invalid UTF-8, oversized request lines), and bursts of them at once."""

from __future__ import annotations

import http.client
import socket
from dataclasses import dataclass


def raw_request(base_url: str, request_line: bytes, headers: bytes = b"") -> tuple[int, bytes]:
    """Send one HTTP/1.1 request as raw bytes; return (status, head and body bytes)."""
    host, port = base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(
            request_line
            + b"\r\nHost: "
            + host.encode()
            + b"\r\n"
            + headers
            + b"Connection: close\r\n\r\n"
        )
        chunks = []
        while chunk := conn.recv(65536):
            chunks.append(chunk)
    response = b"".join(chunks)
    status = int(response.split(b" ", 2)[1])
    return status, response


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes


def _address(base_url: str) -> tuple[str, int]:
    host, port = base_url.removeprefix("http://").split(":")
    return host, int(port)


def read_answer(conn: socket.socket) -> Answer:
    """Read one HTTP/1.1 response from a socket a request was sent on."""
    response = http.client.HTTPResponse(conn)
    response.begin()
    return Answer(response.status, response.headers, response.read())


def burst(
    base_url: str, targets: list[str], timeout: float = 60, *, gzip: bool = False
) -> list[Answer]:
    """Send every request before reading any answer (one connection each): all of them reach
    the server at once, as a burst of clients would."""
    conns = []
    try:
        conns.extend(socket.create_connection(_address(base_url), timeout=timeout) for _ in targets)
        for conn, target in zip(conns, targets, strict=True):
            coding = "Accept-Encoding: gzip\r\n" if gzip else ""
            conn.sendall(
                f"GET {target} HTTP/1.1\r\nHost: api\r\n{coding}Connection: close\r\n\r\n".encode()
            )
        return [read_answer(conn) for conn in conns]
    finally:
        for conn in conns:
            conn.close()


def closed_by_server(conn: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (a reset counts as a close);
    raises TimeoutError if it keeps the connection open past the socket's timeout."""
    chunks = []
    try:
        while chunk := conn.recv(65536):
            chunks.append(chunk)
    except ConnectionResetError:
        pass
    return b"".join(chunks)
