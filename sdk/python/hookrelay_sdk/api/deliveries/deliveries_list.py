from http import HTTPStatus
from typing import Any

import httpx

from ...client import AuthenticatedClient, Client
from ...models.delivery_status import DeliveryStatus
from ...models.error_body import ErrorBody
from ...models.list_typed_delivery_view import ListTypedDeliveryView
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    webhook_id: str | Unset = UNSET,
    status: DeliveryStatus | Unset = UNSET,
    from_: str | Unset = UNSET,
    to: str | Unset = UNSET,
    event_type: str | Unset = UNSET,
    event_id: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["webhookId"] = webhook_id

    json_status: str | Unset = UNSET
    if not isinstance(status, Unset):
        json_status = status.value

    params["status"] = json_status

    params["from"] = from_

    params["to"] = to

    params["eventType"] = event_type

    params["eventId"] = event_id

    params["limit"] = limit

    params["cursor"] = cursor

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/deliveries",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorBody | ListTypedDeliveryView:
    if response.status_code == 200:
        response_200 = ListTypedDeliveryView.from_dict(response.json())

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
) -> Response[ErrorBody | ListTypedDeliveryView]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    webhook_id: str | Unset = UNSET,
    status: DeliveryStatus | Unset = UNSET,
    from_: str | Unset = UNSET,
    to: str | Unset = UNSET,
    event_type: str | Unset = UNSET,
    event_id: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
) -> Response[ErrorBody | ListTypedDeliveryView]:
    """
    Args:
        webhook_id (str | Unset):
        status (DeliveryStatus | Unset): Where a delivery stands; `discarded` is a dead delivery
            an operator
            took out of the dead-letter queue, kept in history; `filtered` was
            never sent: its event did not match the endpoint's filter (a replay
            sends it); `cancelled` was never sent either: the endpoint's
            transformation returned null for it (a replay runs it again).
        from_ (str | Unset):
        to (str | Unset):
        event_type (str | Unset):
        event_id (str | Unset):
        limit (int | Unset):
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | ListTypedDeliveryView]
    """

    kwargs = _get_kwargs(
        webhook_id=webhook_id,
        status=status,
        from_=from_,
        to=to,
        event_type=event_type,
        event_id=event_id,
        limit=limit,
        cursor=cursor,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    webhook_id: str | Unset = UNSET,
    status: DeliveryStatus | Unset = UNSET,
    from_: str | Unset = UNSET,
    to: str | Unset = UNSET,
    event_type: str | Unset = UNSET,
    event_id: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
) -> ErrorBody | ListTypedDeliveryView | None:
    """
    Args:
        webhook_id (str | Unset):
        status (DeliveryStatus | Unset): Where a delivery stands; `discarded` is a dead delivery
            an operator
            took out of the dead-letter queue, kept in history; `filtered` was
            never sent: its event did not match the endpoint's filter (a replay
            sends it); `cancelled` was never sent either: the endpoint's
            transformation returned null for it (a replay runs it again).
        from_ (str | Unset):
        to (str | Unset):
        event_type (str | Unset):
        event_id (str | Unset):
        limit (int | Unset):
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | ListTypedDeliveryView
    """

    return sync_detailed(
        client=client,
        webhook_id=webhook_id,
        status=status,
        from_=from_,
        to=to,
        event_type=event_type,
        event_id=event_id,
        limit=limit,
        cursor=cursor,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    webhook_id: str | Unset = UNSET,
    status: DeliveryStatus | Unset = UNSET,
    from_: str | Unset = UNSET,
    to: str | Unset = UNSET,
    event_type: str | Unset = UNSET,
    event_id: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
) -> Response[ErrorBody | ListTypedDeliveryView]:
    """
    Args:
        webhook_id (str | Unset):
        status (DeliveryStatus | Unset): Where a delivery stands; `discarded` is a dead delivery
            an operator
            took out of the dead-letter queue, kept in history; `filtered` was
            never sent: its event did not match the endpoint's filter (a replay
            sends it); `cancelled` was never sent either: the endpoint's
            transformation returned null for it (a replay runs it again).
        from_ (str | Unset):
        to (str | Unset):
        event_type (str | Unset):
        event_id (str | Unset):
        limit (int | Unset):
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | ListTypedDeliveryView]
    """

    kwargs = _get_kwargs(
        webhook_id=webhook_id,
        status=status,
        from_=from_,
        to=to,
        event_type=event_type,
        event_id=event_id,
        limit=limit,
        cursor=cursor,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    webhook_id: str | Unset = UNSET,
    status: DeliveryStatus | Unset = UNSET,
    from_: str | Unset = UNSET,
    to: str | Unset = UNSET,
    event_type: str | Unset = UNSET,
    event_id: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
) -> ErrorBody | ListTypedDeliveryView | None:
    """
    Args:
        webhook_id (str | Unset):
        status (DeliveryStatus | Unset): Where a delivery stands; `discarded` is a dead delivery
            an operator
            took out of the dead-letter queue, kept in history; `filtered` was
            never sent: its event did not match the endpoint's filter (a replay
            sends it); `cancelled` was never sent either: the endpoint's
            transformation returned null for it (a replay runs it again).
        from_ (str | Unset):
        to (str | Unset):
        event_type (str | Unset):
        event_id (str | Unset):
        limit (int | Unset):
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | ListTypedDeliveryView
    """

    return (
        await asyncio_detailed(
            client=client,
            webhook_id=webhook_id,
            status=status,
            from_=from_,
            to=to,
            event_type=event_type,
            event_id=event_id,
            limit=limit,
            cursor=cursor,
        )
    ).parsed
