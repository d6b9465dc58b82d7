"""The MCP server: the API's rules as tools for an AI assistant (docs/mcp.md).

server.py the tools, answers.py how they answer and refuse, arguments.py their arguments,
transports.py streamable HTTP at /mcp and stdio (`nato-api mcp`). Like a router, it calls
reports, queries and schemas; only app.main and app.cli import it.
"""
