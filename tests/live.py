"""Raw HTTP/1.1 requests, for what an HTTP client library would refuse or rewrite (invalid
percent-encoding, invalid UTF-8, oversized request lines)."""

from __future__ import annotations

import socket


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
