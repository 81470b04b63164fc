"""An independent MCP client for tests/mcp.rs: the official Python SDK
(`mcp`, pinned in sdk/requirements.txt) over Streamable HTTP or stdio.

    client.py http URL TOKEN list
    client.py http URL TOKEN call TOOL ARGUMENTS_JSON
    client.py stdio HOOKRELAY_BINARY SERVER_URL TOKEN list|call ...

Prints one JSON line: {"tools": [names]}, {"isError": bool, "result": the
tool's JSON}, or {"refused": why} when the connection is refused."""

import asyncio
import json
import sys

import httpx2
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from mcp.client.streamable_http import streamable_http_client


def server_of(argv):
    if argv[0] == "http":
        url, token = argv[1], argv[2]
        http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=120)
        return streamable_http_client(url, http_client=http), argv[3:]
    binary, url, token = argv[1], argv[2], argv[3]
    params = StdioServerParameters(
        command=binary,
        args=["mcp", "--url", url, "--api-key", token],
        env={"HOOKRELAY_PROFILE": "none", "RUST_LOG": "warn"},
    )
    return params, argv[4:]


async def main(argv):
    server, action = server_of(argv)
    try:
        async with Client(server, raise_exceptions=True) as client:
            if action[0] == "list":
                tools = await client.list_tools()
                out = {"tools": sorted(t.name for t in tools.tools)}
            else:
                result = await client.call_tool(action[1], json.loads(action[2]))
                text = result.content[0].text if result.content else "null"
                out = {"isError": bool(result.is_error), "result": json.loads(text)}
    except Exception as e:  # the refusal's kind varies by transport
        out = {"refused": f"{type(e).__name__}: {e}"}
    print(json.dumps(out))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
