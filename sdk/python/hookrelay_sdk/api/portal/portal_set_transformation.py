from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...models.data_transformation_view import DataTransformationView
from ...models.error_body import ErrorBody
from ...models.set_transformation import SetTransformation
from ...types import Response


def _get_kwargs(
    id: str,
    *,
    body: SetTransformation,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "put",
        "url": "/portal-api/v1/endpoints/{id}/transformation".format(
            id=quote(str(id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> DataTransformationView | ErrorBody:
    if response.status_code == 200:
        response_200 = DataTransformationView.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = ErrorBody.from_dict(response.json())

        return response_400

    if response.status_code == 403:
        response_403 = ErrorBody.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = ErrorBody.from_dict(response.json())

        return response_404

    response_default = ErrorBody.from_dict(response.json())

    return response_default


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[DataTransformationView | ErrorBody]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    id: str,
    *,
    client: AuthenticatedClient,
    body: SetTransformation,
) -> Response[DataTransformationView | ErrorBody]:
    """
    Args:
        id (str):
        body (SetTransformation):  Example: {'code': "function handler(event) { if
            (event.payload.test) return null; return { body: event.payload, headers: { 'x-kind':
            event.eventType } } }", 'enabled': True}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DataTransformationView | ErrorBody]
    """

    kwargs = _get_kwargs(
        id=id,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    id: str,
    *,
    client: AuthenticatedClient,
    body: SetTransformation,
) -> DataTransformationView | ErrorBody | None:
    """
    Args:
        id (str):
        body (SetTransformation):  Example: {'code': "function handler(event) { if
            (event.payload.test) return null; return { body: event.payload, headers: { 'x-kind':
            event.eventType } } }", 'enabled': True}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DataTransformationView | ErrorBody
    """

    return sync_detailed(
        id=id,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    id: str,
    *,
    client: AuthenticatedClient,
    body: SetTransformation,
) -> Response[DataTransformationView | ErrorBody]:
    """
    Args:
        id (str):
        body (SetTransformation):  Example: {'code': "function handler(event) { if
            (event.payload.test) return null; return { body: event.payload, headers: { 'x-kind':
            event.eventType } } }", 'enabled': True}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DataTransformationView | ErrorBody]
    """

    kwargs = _get_kwargs(
        id=id,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    id: str,
    *,
    client: AuthenticatedClient,
    body: SetTransformation,
) -> DataTransformationView | ErrorBody | None:
    """
    Args:
        id (str):
        body (SetTransformation):  Example: {'code': "function handler(event) { if
            (event.payload.test) return null; return { body: event.payload, headers: { 'x-kind':
            event.eventType } } }", 'enabled': True}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DataTransformationView | ErrorBody
    """

    return (
        await asyncio_detailed(
            id=id,
            client=client,
            body=body,
        )
    ).parsed
