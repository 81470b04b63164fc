from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...models.data_schedule_view import DataScheduleView
from ...models.error_body import ErrorBody
from ...types import Response


def _get_kwargs(
    id: str,
    schedule_id: str,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/webhooks/{id}/schedules/{schedule_id}".format(
            id=quote(str(id), safe=""),
            schedule_id=quote(str(schedule_id), safe=""),
        ),
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> DataScheduleView | ErrorBody:
    if response.status_code == 200:
        response_200 = DataScheduleView.from_dict(response.json())

        return response_200

    if response.status_code == 404:
        response_404 = ErrorBody.from_dict(response.json())

        return response_404

    response_default = ErrorBody.from_dict(response.json())

    return response_default


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[DataScheduleView | ErrorBody]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    id: str,
    schedule_id: str,
    *,
    client: AuthenticatedClient,
) -> Response[DataScheduleView | ErrorBody]:
    """
    Args:
        id (str):
        schedule_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DataScheduleView | ErrorBody]
    """

    kwargs = _get_kwargs(
        id=id,
        schedule_id=schedule_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    id: str,
    schedule_id: str,
    *,
    client: AuthenticatedClient,
) -> DataScheduleView | ErrorBody | None:
    """
    Args:
        id (str):
        schedule_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DataScheduleView | ErrorBody
    """

    return sync_detailed(
        id=id,
        schedule_id=schedule_id,
        client=client,
    ).parsed


async def asyncio_detailed(
    id: str,
    schedule_id: str,
    *,
    client: AuthenticatedClient,
) -> Response[DataScheduleView | ErrorBody]:
    """
    Args:
        id (str):
        schedule_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DataScheduleView | ErrorBody]
    """

    kwargs = _get_kwargs(
        id=id,
        schedule_id=schedule_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    id: str,
    schedule_id: str,
    *,
    client: AuthenticatedClient,
) -> DataScheduleView | ErrorBody | None:
    """
    Args:
        id (str):
        schedule_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DataScheduleView | ErrorBody
    """

    return (
        await asyncio_detailed(
            id=id,
            schedule_id=schedule_id,
            client=client,
        )
    ).parsed
