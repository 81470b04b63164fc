from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...models.data_sent_message import DataSentMessage
from ...models.error_body import ErrorBody
from ...models.send_message import SendMessage
from ...types import UNSET, Response, Unset


def _get_kwargs(
    id: str,
    *,
    body: SendMessage,
    idempotency_key: None | str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/applications/{id}/messages".format(
            id=quote(str(id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> DataSentMessage | ErrorBody:
    if response.status_code == 202:
        response_202 = DataSentMessage.from_dict(response.json())

        return response_202

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
) -> Response[DataSentMessage | ErrorBody]:
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
    body: SendMessage,
    idempotency_key: None | str | Unset = UNSET,
) -> Response[DataSentMessage | ErrorBody]:
    """
    Args:
        id (str):
        idempotency_key (None | str | Unset):
        body (SendMessage):  Example: {'eventType': 'invoice.paid', 'payload': {'amount': 4200,
            'invoiceId': 'inv_123'}}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DataSentMessage | ErrorBody]
    """

    kwargs = _get_kwargs(
        id=id,
        body=body,
        idempotency_key=idempotency_key,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    id: str,
    *,
    client: AuthenticatedClient,
    body: SendMessage,
    idempotency_key: None | str | Unset = UNSET,
) -> DataSentMessage | ErrorBody | None:
    """
    Args:
        id (str):
        idempotency_key (None | str | Unset):
        body (SendMessage):  Example: {'eventType': 'invoice.paid', 'payload': {'amount': 4200,
            'invoiceId': 'inv_123'}}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DataSentMessage | ErrorBody
    """

    return sync_detailed(
        id=id,
        client=client,
        body=body,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    id: str,
    *,
    client: AuthenticatedClient,
    body: SendMessage,
    idempotency_key: None | str | Unset = UNSET,
) -> Response[DataSentMessage | ErrorBody]:
    """
    Args:
        id (str):
        idempotency_key (None | str | Unset):
        body (SendMessage):  Example: {'eventType': 'invoice.paid', 'payload': {'amount': 4200,
            'invoiceId': 'inv_123'}}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DataSentMessage | ErrorBody]
    """

    kwargs = _get_kwargs(
        id=id,
        body=body,
        idempotency_key=idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    id: str,
    *,
    client: AuthenticatedClient,
    body: SendMessage,
    idempotency_key: None | str | Unset = UNSET,
) -> DataSentMessage | ErrorBody | None:
    """
    Args:
        id (str):
        idempotency_key (None | str | Unset):
        body (SendMessage):  Example: {'eventType': 'invoice.paid', 'payload': {'amount': 4200,
            'invoiceId': 'inv_123'}}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DataSentMessage | ErrorBody
    """

    return (
        await asyncio_detailed(
            id=id,
            client=client,
            body=body,
            idempotency_key=idempotency_key,
        )
    ).parsed
