from http import HTTPStatus
from typing import Any

import httpx

from ...client import AuthenticatedClient, Client
from ...models.data_usage_report import DataUsageReport
from ...models.error_body import ErrorBody
from ...models.usage_get_granularity import UsageGetGranularity
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    from_: str | Unset = UNSET,
    to: str | Unset = UNSET,
    webhook_id: str | Unset = UNSET,
    granularity: UsageGetGranularity | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["from"] = from_

    params["to"] = to

    params["webhookId"] = webhook_id

    json_granularity: str | Unset = UNSET
    if not isinstance(granularity, Unset):
        json_granularity = granularity.value

    params["granularity"] = json_granularity

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/usage",
        "params": params,
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> DataUsageReport | ErrorBody:
    if response.status_code == 200:
        response_200 = DataUsageReport.from_dict(response.json())

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
) -> Response[DataUsageReport | ErrorBody]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    from_: str | Unset = UNSET,
    to: str | Unset = UNSET,
    webhook_id: str | Unset = UNSET,
    granularity: UsageGetGranularity | Unset = UNSET,
) -> Response[DataUsageReport | ErrorBody]:
    """
    Args:
        from_ (str | Unset):
        to (str | Unset):
        webhook_id (str | Unset):
        granularity (UsageGetGranularity | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DataUsageReport | ErrorBody]
    """

    kwargs = _get_kwargs(
        from_=from_,
        to=to,
        webhook_id=webhook_id,
        granularity=granularity,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    from_: str | Unset = UNSET,
    to: str | Unset = UNSET,
    webhook_id: str | Unset = UNSET,
    granularity: UsageGetGranularity | Unset = UNSET,
) -> DataUsageReport | ErrorBody | None:
    """
    Args:
        from_ (str | Unset):
        to (str | Unset):
        webhook_id (str | Unset):
        granularity (UsageGetGranularity | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DataUsageReport | ErrorBody
    """

    return sync_detailed(
        client=client,
        from_=from_,
        to=to,
        webhook_id=webhook_id,
        granularity=granularity,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    from_: str | Unset = UNSET,
    to: str | Unset = UNSET,
    webhook_id: str | Unset = UNSET,
    granularity: UsageGetGranularity | Unset = UNSET,
) -> Response[DataUsageReport | ErrorBody]:
    """
    Args:
        from_ (str | Unset):
        to (str | Unset):
        webhook_id (str | Unset):
        granularity (UsageGetGranularity | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DataUsageReport | ErrorBody]
    """

    kwargs = _get_kwargs(
        from_=from_,
        to=to,
        webhook_id=webhook_id,
        granularity=granularity,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    from_: str | Unset = UNSET,
    to: str | Unset = UNSET,
    webhook_id: str | Unset = UNSET,
    granularity: UsageGetGranularity | Unset = UNSET,
) -> DataUsageReport | ErrorBody | None:
    """
    Args:
        from_ (str | Unset):
        to (str | Unset):
        webhook_id (str | Unset):
        granularity (UsageGetGranularity | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DataUsageReport | ErrorBody
    """

    return (
        await asyncio_detailed(
            client=client,
            from_=from_,
            to=to,
            webhook_id=webhook_id,
            granularity=granularity,
        )
    ).parsed
