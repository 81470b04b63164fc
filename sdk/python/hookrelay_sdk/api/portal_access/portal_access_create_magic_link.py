from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...models.data_magic_link import DataMagicLink
from ...models.error_body import ErrorBody
from ...models.magic_link_request import MagicLinkRequest
from ...types import UNSET, Response, Unset


def _get_kwargs(
    app_id: str,
    *,
    body: MagicLinkRequest | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/applications/{app_id}/portal/magic-link".format(
            app_id=quote(str(app_id), safe=""),
        ),
    }

    if not isinstance(body, Unset):
        _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> DataMagicLink | ErrorBody:
    if response.status_code == 201:
        response_201 = DataMagicLink.from_dict(response.json())

        return response_201

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
) -> Response[DataMagicLink | ErrorBody]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    app_id: str,
    *,
    client: AuthenticatedClient,
    body: MagicLinkRequest | Unset = UNSET,
) -> Response[DataMagicLink | ErrorBody]:
    """
    Args:
        app_id (str):
        body (MagicLinkRequest | Unset):  Example: {'expiresInMinutes': 60, 'scopes': ['read',
            'write']}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DataMagicLink | ErrorBody]
    """

    kwargs = _get_kwargs(
        app_id=app_id,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    app_id: str,
    *,
    client: AuthenticatedClient,
    body: MagicLinkRequest | Unset = UNSET,
) -> DataMagicLink | ErrorBody | None:
    """
    Args:
        app_id (str):
        body (MagicLinkRequest | Unset):  Example: {'expiresInMinutes': 60, 'scopes': ['read',
            'write']}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DataMagicLink | ErrorBody
    """

    return sync_detailed(
        app_id=app_id,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    app_id: str,
    *,
    client: AuthenticatedClient,
    body: MagicLinkRequest | Unset = UNSET,
) -> Response[DataMagicLink | ErrorBody]:
    """
    Args:
        app_id (str):
        body (MagicLinkRequest | Unset):  Example: {'expiresInMinutes': 60, 'scopes': ['read',
            'write']}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DataMagicLink | ErrorBody]
    """

    kwargs = _get_kwargs(
        app_id=app_id,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    app_id: str,
    *,
    client: AuthenticatedClient,
    body: MagicLinkRequest | Unset = UNSET,
) -> DataMagicLink | ErrorBody | None:
    """
    Args:
        app_id (str):
        body (MagicLinkRequest | Unset):  Example: {'expiresInMinutes': 60, 'scopes': ['read',
            'write']}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DataMagicLink | ErrorBody
    """

    return (
        await asyncio_detailed(
            app_id=app_id,
            client=client,
            body=body,
        )
    ).parsed
