from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...models.create_portal_token import CreatePortalToken
from ...models.data_portal_token_view import DataPortalTokenView
from ...models.error_body import ErrorBody
from ...types import UNSET, Response, Unset


def _get_kwargs(
    org_id: str,
    app_id: str,
    *,
    body: CreatePortalToken | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/organizations/{org_id}/portal/webhook-applications/{app_id}/tokens".format(
            org_id=quote(str(org_id), safe=""),
            app_id=quote(str(app_id), safe=""),
        ),
    }

    if not isinstance(body, Unset):
        _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> DataPortalTokenView | ErrorBody:
    if response.status_code == 201:
        response_201 = DataPortalTokenView.from_dict(response.json())

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
) -> Response[DataPortalTokenView | ErrorBody]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    org_id: str,
    app_id: str,
    *,
    client: AuthenticatedClient,
    body: CreatePortalToken | Unset = UNSET,
) -> Response[DataPortalTokenView | ErrorBody]:
    """
    Args:
        org_id (str):
        app_id (str):
        body (CreatePortalToken | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DataPortalTokenView | ErrorBody]
    """

    kwargs = _get_kwargs(
        org_id=org_id,
        app_id=app_id,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    org_id: str,
    app_id: str,
    *,
    client: AuthenticatedClient,
    body: CreatePortalToken | Unset = UNSET,
) -> DataPortalTokenView | ErrorBody | None:
    """
    Args:
        org_id (str):
        app_id (str):
        body (CreatePortalToken | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DataPortalTokenView | ErrorBody
    """

    return sync_detailed(
        org_id=org_id,
        app_id=app_id,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    org_id: str,
    app_id: str,
    *,
    client: AuthenticatedClient,
    body: CreatePortalToken | Unset = UNSET,
) -> Response[DataPortalTokenView | ErrorBody]:
    """
    Args:
        org_id (str):
        app_id (str):
        body (CreatePortalToken | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DataPortalTokenView | ErrorBody]
    """

    kwargs = _get_kwargs(
        org_id=org_id,
        app_id=app_id,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    org_id: str,
    app_id: str,
    *,
    client: AuthenticatedClient,
    body: CreatePortalToken | Unset = UNSET,
) -> DataPortalTokenView | ErrorBody | None:
    """
    Args:
        org_id (str):
        app_id (str):
        body (CreatePortalToken | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DataPortalTokenView | ErrorBody
    """

    return (
        await asyncio_detailed(
            org_id=org_id,
            app_id=app_id,
            client=client,
            body=body,
        )
    ).parsed
