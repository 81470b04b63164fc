from http import HTTPStatus
from typing import Any

import httpx

from ...client import AuthenticatedClient, Client
from ...models.data_simulation import DataSimulation
from ...models.error_body import ErrorBody
from ...models.simulate import Simulate
from ...types import Response


def _get_kwargs(
    *,
    body: Simulate,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/portal-api/v1/transformations/simulate",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> DataSimulation | ErrorBody:
    if response.status_code == 200:
        response_200 = DataSimulation.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = ErrorBody.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = ErrorBody.from_dict(response.json())

        return response_401

    if response.status_code == 404:
        response_404 = ErrorBody.from_dict(response.json())

        return response_404

    response_default = ErrorBody.from_dict(response.json())

    return response_default


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[DataSimulation | ErrorBody]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: Simulate,
) -> Response[DataSimulation | ErrorBody]:
    """
    Args:
        body (Simulate):  Example: {'code': 'function handler(event) { return { body: { kind:
            event.eventType, data: event.payload } } }', 'deliveryId':
            'msg_01JQ3W7F8H2K5M9P3R6T8V1X4Z'}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DataSimulation | ErrorBody]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    body: Simulate,
) -> DataSimulation | ErrorBody | None:
    """
    Args:
        body (Simulate):  Example: {'code': 'function handler(event) { return { body: { kind:
            event.eventType, data: event.payload } } }', 'deliveryId':
            'msg_01JQ3W7F8H2K5M9P3R6T8V1X4Z'}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DataSimulation | ErrorBody
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: Simulate,
) -> Response[DataSimulation | ErrorBody]:
    """
    Args:
        body (Simulate):  Example: {'code': 'function handler(event) { return { body: { kind:
            event.eventType, data: event.payload } } }', 'deliveryId':
            'msg_01JQ3W7F8H2K5M9P3R6T8V1X4Z'}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DataSimulation | ErrorBody]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: Simulate,
) -> DataSimulation | ErrorBody | None:
    """
    Args:
        body (Simulate):  Example: {'code': 'function handler(event) { return { body: { kind:
            event.eventType, data: event.payload } } }', 'deliveryId':
            'msg_01JQ3W7F8H2K5M9P3R6T8V1X4Z'}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DataSimulation | ErrorBody
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
