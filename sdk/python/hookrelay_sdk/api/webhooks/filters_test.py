from http import HTTPStatus
from typing import Any

import httpx

from ...client import AuthenticatedClient, Client
from ...models.data_filter_result import DataFilterResult
from ...models.error_body import ErrorBody
from ...models.test_filter import TestFilter
from ...types import Response


def _get_kwargs(
    *,
    body: TestFilter,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/filters/test",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> DataFilterResult | ErrorBody:
    if response.status_code == 200:
        response_200 = DataFilterResult.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = ErrorBody.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = ErrorBody.from_dict(response.json())

        return response_401

    response_default = ErrorBody.from_dict(response.json())

    return response_default


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[DataFilterResult | ErrorBody]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: TestFilter,
) -> Response[DataFilterResult | ErrorBody]:
    """
    Args:
        body (TestFilter):  Example: {'filter': {'gte': 100, 'path': 'data.amount'}, 'payload':
            {'data': {'amount': 1200}, 'type': 'invoice.paid'}}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DataFilterResult | ErrorBody]
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
    body: TestFilter,
) -> DataFilterResult | ErrorBody | None:
    """
    Args:
        body (TestFilter):  Example: {'filter': {'gte': 100, 'path': 'data.amount'}, 'payload':
            {'data': {'amount': 1200}, 'type': 'invoice.paid'}}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DataFilterResult | ErrorBody
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: TestFilter,
) -> Response[DataFilterResult | ErrorBody]:
    """
    Args:
        body (TestFilter):  Example: {'filter': {'gte': 100, 'path': 'data.amount'}, 'payload':
            {'data': {'amount': 1200}, 'type': 'invoice.paid'}}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DataFilterResult | ErrorBody]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: TestFilter,
) -> DataFilterResult | ErrorBody | None:
    """
    Args:
        body (TestFilter):  Example: {'filter': {'gte': 100, 'path': 'data.amount'}, 'payload':
            {'data': {'amount': 1200}, 'type': 'invoice.paid'}}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DataFilterResult | ErrorBody
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
